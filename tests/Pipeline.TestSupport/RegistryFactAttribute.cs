namespace Pipeline.TestSupport;

/// <summary>A fact that needs a Docker engine and the plain registry on <see cref="Requirements.LocalRegistry"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RegistryFactAttribute : CiStrictFactAttribute
{
    protected override string? WhyItCannotRun() => Requirements.DockerEngineAndRegistry();
}
