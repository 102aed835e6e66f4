namespace Pipeline.TestSupport;

/// <summary>A fact that needs a Docker engine and the docker CLI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DockerFactAttribute : CiStrictFactAttribute
{
    protected override string? WhyItCannotRun() => Requirements.DockerEngine();
}
