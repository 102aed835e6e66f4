using System.Diagnostics;

namespace Mcp.Server.Tests;

/// <summary>
/// A fact that needs a Docker engine. Without one it is skipped with the reason, except under CI=true,
/// where it runs and fails loudly: CI must never pass by skipping the image tests.
/// </summary>
public sealed class DockerFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> MissingEngine = new(FindMissingEngine);

    public DockerFactAttribute()
    {
        var inCi = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!inCi && MissingEngine.Value is { } reason)
        {
            Skip = reason;
        }
    }

    private static string? FindMissingEngine()
    {
        try
        {
            using var docker = Process.Start(new ProcessStartInfo("docker", "version --format {{.Server.Version}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            return docker.WaitForExit(TimeSpan.FromSeconds(10)) && docker.ExitCode == 0
                ? null
                : "No Docker engine answers `docker version`; start one to run the image tests.";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "The docker CLI is not installed; install Docker to run the image tests.";
        }
    }
}
