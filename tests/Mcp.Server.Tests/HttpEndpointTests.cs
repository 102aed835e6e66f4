using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Mcp.Server.Tests;

// Starts the server in this process for each test: CI runs it, not the inner loop (./build.sh Dev) after every save.
[Trait("Category", "Integration")]
public sealed class HttpEndpointTests : IAsyncLifetime
{
    private const string InitializeRequest =
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}""";

    private readonly HttpClient _http = new();
    private RunningMcpServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningMcpServer.StartAsync(new Uri("http://127.0.0.1:9"));

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Health_answers_200_with_status_service_and_version()
    {
        var response = await _http.GetAsync(new Uri(_server.BaseAddress, "/health"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().Should().Be("ok");
        body.GetProperty("service").GetString().Should().Be("mcp");
        body.GetProperty("version").GetString().Should().Be(RunningMcpServer.Version);
    }

    [Fact]
    public async Task Root_describes_the_service_and_where_its_mcp_endpoint_is()
    {
        var body = await _http.GetFromJsonAsync<JsonElement>(_server.BaseAddress);

        body.GetProperty("service").GetString().Should().Be("mcp");
        body.GetProperty("mcp_endpoint").GetString().Should().Be("/mcp");
        body.GetProperty("resource_metadata").GetString().Should().Be("/.well-known/oauth-protected-resource");
        body.GetProperty("authorization_server").GetString().Should().Be(_server.Issuer.Issuer);
        body.GetProperty("fastapi_configured").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Initialize_creates_no_session_because_the_server_is_stateless()
    {
        using var response = await _http.SendAsync(McpPost(InitializeRequest));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Headers.Contains("Mcp-Session-Id").Should().BeFalse();
        (await response.Content.ReadAsStringAsync()).Should().Contain("\"serverInfo\"");
    }

    [Fact]
    public async Task A_disallowed_origin_is_rejected_with_403_before_reaching_mcp_even_with_a_valid_token()
    {
        using var request = McpPost(InitializeRequest);
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await _http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).Should().Contain("https://evil.example").And.Contain("ALLOWED_ORIGINS");
    }

    [Fact]
    public async Task A_disallowed_origin_without_a_token_gets_403_not_a_token_challenge()
    {
        using var request = McpPost(InitializeRequest);
        request.Headers.Authorization = null;
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await _http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Headers.WwwAuthenticate.Should().BeEmpty();
    }

    [Fact]
    public async Task A_look_alike_of_localhost_is_rejected_by_the_default_policy()
    {
        using var request = McpPost(InitializeRequest);
        request.Headers.Add("Origin", "http://localhost.evil.example");

        using var response = await _http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_client_from_an_allowed_local_origin_can_list_tools()
    {
        await using var client = await _server.ConnectAsync(origin: "http://localhost:6274");

        (await client.ListToolsAsync()).Should().NotBeEmpty();
    }

    [Fact]
    public async Task Configured_allowed_origins_replace_the_local_defaults()
    {
        await using var server = await RunningMcpServer.StartAsync(null, allowedOrigins: "https://app.example.com, https://admin.example.com");

        await using (var client = await server.ConnectAsync(origin: "https://app.example.com"))
        {
            (await client.ListToolsAsync()).Should().NotBeEmpty();
        }

        using var request = McpPost(InitializeRequest, server);
        request.Headers.Add("Origin", "http://localhost:6274");
        using var response = await _http.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Healthcheck_command_exits_0_while_the_server_is_healthy_and_1_when_nothing_listens()
    {
        var port = _server.BaseAddress.Port;
        var output = new StringWriter();

        var healthy = await HealthCheckCommand.RunAsync(Configuration(("PORT", port.ToString())), output);
        await _server.DisposeAsync();
        var stopped = await HealthCheckCommand.RunAsync(Configuration(("PORT", port.ToString())), output);
        _server = await RunningMcpServer.StartAsync(null);

        healthy.Should().Be(0, output.ToString());
        stopped.Should().Be(1, output.ToString());
        output.ToString().Should().Contain($"http://127.0.0.1:{port}/health -> 200");
    }

    /// <summary>A POST to the MCP endpoint with a valid token, so that only what a test changes can turn it away.</summary>
    private HttpRequestMessage McpPost(string json, RunningMcpServer? server = null)
    {
        server ??= _server;
        var request = new HttpRequestMessage(HttpMethod.Post, server.McpEndpoint)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.Issuer.MintToken());
        return request;
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value))).Build();
}
