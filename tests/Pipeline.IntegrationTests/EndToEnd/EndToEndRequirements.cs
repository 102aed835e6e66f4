using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>What a whole-pipeline run needs on this machine (see <see cref="Requirements"/>), and why it cannot run when something is missing.</summary>
public static class EndToEndRequirements
{
    /// <summary>Why the local-platform scenario cannot run here, or null: git copies the repository's tracked files.</summary>
    public static string? WhyNoLocalPlatform() => Requirements.Tool("git") ?? Requirements.DockerEngineAndRegistry();

    /// <summary>The official TypeScript MCP client check (<c>build/tools/mcp-client-check.mjs</c>), run from the repository itself: node_modules is never part of a copy.</summary>
    public static string McpClientCheckScript => Path.Combine(RepositoryRoot.Find(), "build", "tools", "mcp-client-check.mjs");

    /// <summary>Why the TypeScript MCP client check cannot run against the local platform here, or null.</summary>
    public static string? WhyNoMcpClientCheck() => WhyNoLocalPlatform() ?? Requirements.NodeTools();

    /// <summary>Why the AWS scenario (moto + the local platform for health; node synthesizes the CDK app) cannot run here, or null.</summary>
    public static string? WhyNoAwsPlatform() => WhyNoLocalPlatform() ?? Requirements.Tools("moto", "node");
}
