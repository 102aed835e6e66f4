using System.Diagnostics;
using Pipeline.Manifests;

namespace Pipeline.Gateway.Tests;

/// <summary>Runs node in build/tools, where the official TypeScript MCP SDK is installed: an inline ES module or one of the tools' scripts.</summary>
static class NodeScript
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public static string ToolsFolder => Path.Combine(RepositoryRoot.Find(AppContext.BaseDirectory), "build", "tools");

    /// <summary>An inline ES module, resolved from build/tools (so its imports find the SDK).</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(string module, string? stdin = null) =>
        StartAsync(["--input-type=module", "-e", module], stdin);

    /// <summary>A script under build/tools with its arguments.</summary>
    public static Task<(int ExitCode, string Output)> RunToolAsync(string script, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        StartAsync([Path.Combine(ToolsFolder, script), .. arguments], null, environment);

    static async Task<(int ExitCode, string Output)> StartAsync(IEnumerable<string> arguments, string? stdin, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = ToolsFolder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin ?? "");
        process.StandardInput.Close();
        using var cancellation = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node did not finish within {Timeout}. Its output so far:\n{await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
