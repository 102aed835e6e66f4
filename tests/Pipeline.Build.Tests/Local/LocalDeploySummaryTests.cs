using System.Text.Json;
using Pipeline.Build.Local;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Local;

/// <summary>
/// The lines a local Deploy ends with: for an MCP endpoint, the configuration of the common MCP clients with the URL alone
/// (they register and sign in at the local issuer by themselves), and the client-credentials route for machines.
/// </summary>
public sealed class LocalDeploySummaryTests
{
    static readonly ServiceManifest Api = new() { Name = "fastapi", Port = 8000, RoutePrefix = "/api/fastapi" };
    static readonly ServiceManifest Mcp = new() { Name = "mcp", Port = 3000, RoutePrefix = "/api/mcp", ResourceMetadataPath = "/.well-known/oauth-protected-resource" };
    static readonly Uri Gateway = new("http://127.0.0.1:8080/");
    const string McpUrl = "http://127.0.0.1:8080/api/mcp/mcp";

    static IReadOnlyList<string> Summary() => LocalDeploySummary.Compose(Gateway, "./build.sh Token", "/repo/artifacts/local/local-issuer.json",
        [new ServiceOffer(Api, HasApiDocs: true, McpEndpoint: null), new ServiceOffer(Mcp, HasApiDocs: false, McpEndpoint: new Uri(McpUrl))]);

    [Fact]
    public void An_mcp_endpoint_gets_a_ready_to_paste_configuration_with_the_url_alone_for_each_common_client()
    {
        var text = string.Join("\n", Summary());

        text.Should().Contain($"MCP endpoint (Streamable HTTP): {McpUrl}")
            .And.Contain($$$$"""VS Code (.vscode/mcp.json): {"servers":{"mcp":{"type":"http","url":"{{{{McpUrl}}}}"}}}""")
            .And.Contain($"Claude Code: claude mcp add --transport http mcp {McpUrl}")
            .And.Contain($$$$"""Cursor (.cursor/mcp.json): {"mcpServers":{"mcp":{"url":"{{{{McpUrl}}}}"}}}""")
            .And.Contain($"MCP Inspector: npx @modelcontextprotocol/inspector, transport Streamable HTTP, URL {McpUrl}");
        // The URL is all a client needs: no token to paste, no header, no client id.
        text.Should().NotContain("\"headers\"").And.NotContain("Bearer <").And.NotContain("CLIENT_ID");
    }

    [Fact]
    public void Machines_are_told_the_client_credentials_route()
    {
        var machines = Summary().Should().ContainSingle(l => l.Contains("Machines (client credentials)", StringComparison.Ordinal)).Subject;
        machines.Should().Contain("./build.sh Token prints an access token")
            .And.Contain("grant_type=client_credentials")
            .And.Contain("http://127.0.0.1:8080/_auth/.well-known/openid-configuration")
            .And.Contain("/repo/artifacts/local/local-issuer.json");
    }

    [Fact]
    public void Every_json_snippet_is_valid_json_of_the_shape_its_client_reads()
    {
        var snippets = Summary().Where(l => l.Contains("mcp.json): ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[(l.IndexOf("): ", StringComparison.Ordinal) + 3)..]).RootElement).ToList();
        snippets.Should().HaveCount(2);
        snippets[0].GetProperty("servers").GetProperty("mcp").GetProperty("url").GetString().Should().Be(McpUrl);
        snippets[1].GetProperty("mcpServers").GetProperty("mcp").GetProperty("url").GetString().Should().Be(McpUrl);
    }

    [Fact]
    public void A_service_without_an_mcp_endpoint_gets_its_url_and_docs_but_no_client_configuration()
    {
        var lines = Summary();
        lines.Should().Contain("  fastapi: http://127.0.0.1:8080/api/fastapi   (health: http://127.0.0.1:8080/api/fastapi/health)")
            .And.Contain("    API docs: http://127.0.0.1:8080/api/fastapi/docs");
        lines.Count(l => l.Contains("VS Code", StringComparison.Ordinal)).Should().Be(1, "only mcp is an MCP endpoint");
        lines[0].Should().Be("Local platform is up. Gateway: http://127.0.0.1:8080/");
    }
}
