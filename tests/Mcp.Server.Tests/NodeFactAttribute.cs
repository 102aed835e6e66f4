using System.Diagnostics;

namespace Mcp.Server.Tests;

/// <summary>
/// A fact that runs the TypeScript MCP client check, so it needs node and the build tools' packages. Without them it
/// is skipped with the reason, except under CI=true, where it runs and fails loudly: CI must not pass by skipping it.
/// </summary>
public sealed class NodeFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> MissingTool = new(FindMissingTool);

    public NodeFactAttribute()
    {
        var inCi = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!inCi && MissingTool.Value is { } reason)
        {
            Skip = reason;
        }
    }

    private static string? FindMissingTool()
    {
        try
        {
            using var node = Process.Start(new ProcessStartInfo("node", "--version")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            if (!node.WaitForExit(TimeSpan.FromSeconds(10)) || node.ExitCode != 0)
            {
                return "`node --version` does not answer; install Node.js 20 to run the TypeScript client check.";
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "node is not installed; install Node.js 20 to run the TypeScript client check.";
        }

        return File.Exists(McpClientCheck.SdkPackageJson)
            ? null
            : "The TypeScript MCP SDK is not installed under build/tools; run `npm ci --prefix build/tools` (or .ci/setup).";
    }
}
