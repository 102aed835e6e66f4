using Pipeline.TestSupport;

namespace Pipeline.IntegrationTests.Infrastructure;

/// <summary>A fact that needs a Docker engine and the local registry (skipped with the reason outside CI when they are missing).</summary>
public sealed class RequiresDockerFactAttribute : CiStrictFactAttribute
{
    static readonly Lazy<string?> Missing = new(Requires.WhyNoDockerEngineAndRegistry);

    protected override string? WhyItCannotRun() =>
        Missing.Value is { } reason ? "Docker engine or registry missing (set CI=true to make this a failure): " + reason : null;
}
