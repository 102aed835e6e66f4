using System.Diagnostics;
using System.Text;

namespace Mcp.Server.Tests;

/// <summary>Runs <c>build/tools/mcp-client-check.mjs</c>, the official TypeScript SDK client that calls every tool of a server.</summary>
public static class McpClientCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static string ToolsFolder => Path.GetFullPath(Path.Combine(ServicesFolder.Of("mcp"), "..", "..", "build", "tools"));

    public static string Script => Path.Combine(ToolsFolder, "mcp-client-check.mjs");

    public static string SdkPackageJson => Path.Combine(ToolsFolder, "node_modules", "@modelcontextprotocol", "sdk", "package.json");

    public static async Task<(int ExitCode, string Output)> RunAsync(Uri endpoint, string? token, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(SdkPackageJson))
        {
            throw new InvalidOperationException(
                $"{SdkPackageJson} is missing, so the TypeScript client check cannot run. Run `npm ci --prefix build/tools` (or .ci/setup) first.");
        }

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(endpoint.AbsoluteUri);
        if (token is not null)
        {
            start.ArgumentList.Add(token);
        }

        start.Environment.Remove("MCP_TOKEN");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`node {Script} {endpoint}` did not finish within {Timeout}. Its output so far:\n{await stdout}{await stderr}");
        }

        return (process.ExitCode, new StringBuilder().Append(await stdout).Append(await stderr).ToString());
    }
}
