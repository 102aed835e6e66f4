using Microsoft.AspNetCore.WebUtilities;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Pipeline.Gateway.Tests;

/// <summary>
/// The official MCP SDKs connecting by themselves, with no token handed to them (TypeScript: <c>build/tools/mcp-oauth-check.mjs</c>;
/// C#: the client's OAuth options): 401 from the gateway, the protected resource's metadata, the local issuer's discovery,
/// a token, then the tools.
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
    public async Task The_typescript_sdks_client_credentials_provider_given_only_the_url_and_the_client_lists_and_calls_the_tools()
    {
        var (exitCode, output) = await NodeScript.RunToolAsync("mcp-oauth-check.mjs",
            ["client-credentials", McpEndpoint, TestIssuer.Credentials.ClientId, TestIssuer.Credentials.ClientSecret]);

        exitCode.Should().Be(0, output);
        output.Should().Contain("-> 401").And.Contain("/.well-known/oauth-protected-resource").And.Contain("/_auth/token -> 200");
        output.Should().Contain("scope 'apigw-test/mcp'").And.Contain("ok    greet");
    }

    [NodeToolsFact]
    public async Task The_typescript_sdks_authorization_code_flow_with_pkce_and_dynamic_registration_driven_headlessly_lists_and_calls_the_tools()
    {
        var (exitCode, output) = await NodeScript.RunToolAsync("mcp-oauth-check.mjs", ["authorization-code", McpEndpoint]);

        exitCode.Should().Be(0, output);
        output.Should().Contain("/_auth/register -> 201").And.Contain("registered dynamically").And.Contain("code_challenge_method=S256");
        output.Should().Contain("redirected to http://127.0.0.1:33418/callback with a code").And.Contain("and a refresh token").And.Contain("ok    greet");
    }

    [Fact]
    public async Task The_csharp_sdks_oauth_client_registers_itself_gets_a_code_without_a_browser_and_calls_the_tools()
    {
        using var noRedirects = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });
        var authorizationRequests = new List<Uri>();

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(McpEndpoint),
            TransportMode = HttpTransportMode.StreamableHttp,
            OAuth = new ClientOAuthOptions
            {
                RedirectUri = new Uri("http://127.0.0.1:47123/callback"),
                DynamicClientRegistration = new DynamicClientRegistrationOptions { ClientName = "C# SDK client" },
                // What a browser does with the auto-approving issuer: follow the authorization URL to the loopback redirect.
                AuthorizationCallbackHandler = async (context, cancellationToken) =>
                {
                    authorizationRequests.Add(context.AuthorizationUri);
                    using var response = await noRedirects.GetAsync(context.AuthorizationUri, cancellationToken);
                    var redirect = QueryHelpers.ParseQuery(response.Headers.Location!.Query);
                    return new AuthorizationResult { Code = redirect["code"], State = redirect["state"], Iss = redirect["iss"] };
                },
            },
        }));
        var tools = await client.ListToolsAsync();
        var result = await client.CallToolAsync("greet", new Dictionary<string, object?> { ["name"] = "oauth" });

        tools.Select(t => t.Name).Should().Contain("greet");
        result.Content.OfType<TextContentBlock>().Single().Text.Should().Be("hello, oauth");
        authorizationRequests.Should().ContainSingle().Which.Query.Should().Contain("code_challenge_method=S256").And.Contain("client_id=dcr-");
    }

    public async Task DisposeAsync()
    {
        await gateway.DisposeAsync();
        await mcpServer.DisposeAsync();
        services.Dispose();
    }
}
