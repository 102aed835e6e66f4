using System.Diagnostics;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>What a whole-pipeline run needs on this machine, and why it cannot run when something is missing.</summary>
public static class EndToEndRequirements
{
    static readonly Lazy<string?> DockerAndRegistry = new(Requires.WhyNoDockerEngineAndRegistry);
    static readonly Lazy<string?> Git = new(() => WhyCommandFails("git", ["--version"], "git is needed to copy the repository's tracked files"));
    static readonly Lazy<string?> Moto = new(() => WhyCommandFails("python3", ["-c", "import moto.server"],
        "moto's server is needed for the AWS scenario: pip install \"moto[server]\" (.ci/setup does)"));
    static readonly Lazy<string?> Node = new(() => WhyCommandFails("node", ["--version"], "node is needed to synthesize the CDK app (jsii)"));

    /// <summary>Why the local-platform scenario cannot run here, or null.</summary>
    public static string? WhyNoLocalPlatform() =>
        Git.Value ?? (DockerAndRegistry.Value is { } docker ? $"Docker engine or registry {Requires.LocalRegistry} missing: {docker}" : null);

    /// <summary>The official TypeScript MCP client check (<c>build/tools/mcp-client-check.mjs</c>), run from the repository itself: node_modules is never part of a copy.</summary>
    public static string McpClientCheckScript => Path.Combine(RepositoryRoot.Find(), "build", "tools", "mcp-client-check.mjs");

    /// <summary>Why the TypeScript MCP client check cannot run against the local platform here, or null.</summary>
    public static string? WhyNoMcpClientCheck() =>
        WhyNoLocalPlatform() ?? Node.Value
        ?? (File.Exists(Path.Combine(Path.GetDirectoryName(McpClientCheckScript)!, "node_modules", "@modelcontextprotocol", "sdk", "package.json"))
            ? null
            : "the TypeScript MCP SDK is not installed under build/tools: npm ci --prefix build/tools (.ci/setup does)");

    /// <summary>Why the AWS scenario (moto + the local platform for health) cannot run here, or null.</summary>
    public static string? WhyNoAwsPlatform() => WhyNoLocalPlatform() ?? Moto.Value ?? Node.Value;

    static string? WhyCommandFails(string command, string[] arguments, string purpose)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(command, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var errors = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"{purpose}; '{command} {string.Join(' ', arguments)}' failed: {errors.Result.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"{purpose}; '{command}' cannot be started: {e.Message}";
        }
    }
}
