using System.Diagnostics;

namespace Pipeline.IntegrationTests.Local;

/// <summary>
/// A fact that needs the Docker engine and the test base image. Without them it is skipped with the reason,
/// except under CI=true, where it runs and fails loudly: CI must provide both.
/// </summary>
public sealed class LocalDockerFactAttribute : CiStrictFactAttribute
{
    static readonly Lazy<string?> MissingRequirement = new(() => Requirements.DockerEngine() ?? WhyNoBaseImage());

    public static string? Missing => MissingRequirement.Value;

    protected override string? WhyItCannotRun() => Missing;

    static string? WhyNoBaseImage()
    {
        using var inspect = Process.Start(new ProcessStartInfo("docker", ["image", "inspect", "--format", "{{.Id}}", LocalTestImage.BaseImage])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        inspect.WaitForExit();
        return inspect.ExitCode == 0
            ? null
            : $"needs the base image {LocalTestImage.BaseImage} in the local Docker engine; publish the base images (.ci/setup) " +
              $"or set {LocalTestImage.BaseImageVariable} to a Python image";
    }
}
