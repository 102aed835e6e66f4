using System.Diagnostics;
using System.Text;

namespace Mcp.Server.Tests;

/// <summary>Runs the docker CLI and fails with its output when a command does not succeed.</summary>
public static class DockerCli
{
    public static async Task<string> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        var (exitCode, output) = await TryRunAsync(timeout, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"`docker {string.Join(' ', arguments)}` exited {exitCode}:\n{output}");
        }

        return output;
    }

    public static async Task<(int ExitCode, string Output)> TryRunAsync(TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`docker {string.Join(' ', arguments)}` did not finish within {timeout}.");
        }

        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }
}
