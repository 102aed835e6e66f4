namespace Pipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A fact that needs a Docker engine and the local registry. Outside CI it is skipped, with the reason, when they are
/// missing; under <c>CI=true</c> it always runs, so a missing component fails it instead of hiding it.
/// </summary>
public sealed class RequiresDockerFactAttribute : FactAttribute
{
    static readonly Lazy<string?> Missing = new(Requires.WhyNoDockerEngineAndRegistry);

    public RequiresDockerFactAttribute()
    {
        if (!Requires.InCi && Missing.Value is { } reason)
            Skip = "Docker engine or registry missing (set CI=true to make this a failure): " + reason;
    }
}
