using System.Diagnostics;
using System.Net.Sockets;
using Pipeline.TestSupport;

namespace Pipeline.IntegrationTests.Local;

/// <summary>
/// A fact that needs the Docker engine and the test base image. Without them it is skipped with the reason,
/// except under CI=true, where it runs and fails loudly: CI must provide both.
/// </summary>
public sealed class LocalDockerFactAttribute : CiStrictFactAttribute
{
    static readonly Lazy<string?> MissingRequirement = new(FindMissingRequirement);

    public static string? Missing => MissingRequirement.Value;

    protected override string? WhyItCannotRun() => Missing;

    static string? FindMissingRequirement()
    {
        var endpoint = Pipeline.Build.Images.DockerEngine.FromEnvironment();
        if (endpoint.Scheme == "unix")
        {
            try
            {
                using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                socket.Connect(new UnixDomainSocketEndPoint(endpoint.LocalPath));
            }
            catch (SocketException e)
            {
                return $"Docker engine not reachable at {endpoint} ({e.Message}); start Docker to run the local platform tests.";
            }
        }
        var inspect = Process.Start(new ProcessStartInfo("docker", ["image", "inspect", "--format", "{{.Id}}", LocalTestImage.BaseImage])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        inspect.WaitForExit();
        return inspect.ExitCode == 0
            ? null
            : $"Base image {LocalTestImage.BaseImage} is not in the local Docker engine; publish the base images (.ci/setup) " +
              $"or set {LocalTestImage.BaseImageVariable} to a Python image.";
    }
}
