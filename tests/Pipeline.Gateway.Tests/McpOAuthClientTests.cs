namespace Pipeline.Gateway.Tests;

/// <summary>
/// The official TypeScript MCP SDK connecting by itself, with no token handed to it (<c>build/tools/mcp-oauth-check.mjs</c>):
/// 401 from the gateway, the protected resource's metadata, the local issuer's discovery, a token, then every tool.
/// The MCP server behind the gateway is the C# SDK's, publishing RFC 9728 metadata that names the local issuer.
/// </summary>
public sealed class McpOAuthClientTests : IAsyncLifetime
{
    readonly ServicesFolder services = new ServicesFolder("mcp").Declare("mcp", """ "resourceMetadataPath": "/.well-known/oauth-protected-resource" """);
    LocalServer mcpServer = null!;
    LocalServer gateway = null!;
    Uri? gatewayAddress;

    string McpEndpoint => new Uri(gateway.BaseAddress, "/api/mcp/mcp").ToString();

    public async Task InitializeAsync()
    {
        mcpServer = await LocalServer.StartUpstreamAsync(
            app =>
            {
                app.MapGet("/.well-known/oauth-protected-resource", () => Results.Json(new
                {
                    resource = new Uri(gatewayAddress!, "/api/mcp/mcp").ToString(),
                    authorization_servers = new[] { new Uri(gatewayAddress!, "/_auth").ToString().TrimEnd('/') },
                    scopes_supported = new[] { "apigw-test/mcp" },
                    bearer_methods_supported = new[] { "header" },
                }));
                app.MapMcp("/mcp");
            },
            s => s.AddMcpServer().WithHttpTransport().WithTools<GatewayMcpTests.GreetingTools>());
        gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri> { ["mcp"] = mcpServer.BaseAddress }, autoApprove: true);
        gatewayAddress = gateway.BaseAddress;
    }

    [NodeToolsFact]
    public async Task The_sdks_client_credentials_provider_given_only_the_url_and_the_client_lists_and_calls_the_tools()
    {
        var (exitCode, output) = await NodeScript.RunToolAsync("mcp-oauth-check.mjs",
            ["client-credentials", McpEndpoint, TestIssuer.Credentials.ClientId, TestIssuer.Credentials.ClientSecret]);

        exitCode.Should().Be(0, output);
        output.Should().Contain("-> 401").And.Contain("/.well-known/oauth-protected-resource").And.Contain("/_auth/token -> 200");
        output.Should().Contain("scope 'apigw-test/mcp'").And.Contain("ok    greet");
    }

    [NodeToolsFact]
    public async Task The_sdks_authorization_code_flow_with_pkce_and_dynamic_registration_driven_headlessly_lists_and_calls_the_tools()
    {
        var (exitCode, output) = await NodeScript.RunToolAsync("mcp-oauth-check.mjs", ["authorization-code", McpEndpoint]);

        exitCode.Should().Be(0, output);
        output.Should().Contain("/_auth/register -> 201").And.Contain("registered dynamically").And.Contain("code_challenge_method=S256");
        output.Should().Contain("redirected to http://127.0.0.1:33418/callback with a code").And.Contain("and a refresh token").And.Contain("ok    greet");
    }

    public async Task DisposeAsync()
    {
        await gateway.DisposeAsync();
        await mcpServer.DisposeAsync();
        services.Dispose();
    }
}
