using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelContextProtocol.Client;

namespace Mcp.Server.Tests;

/// <summary>
/// The MCP endpoint as an OAuth protected resource: it publishes its metadata, challenges callers without a valid token
/// of its issuer and audience with a pointer to that metadata, and says in JSON what was wrong.
/// </summary>
// Starts the server in this process for each test: CI runs it, not the inner loop (./build.sh Dev) after every save.
[Trait("Category", "Integration")]
public sealed partial class AuthorizationTests : IAsyncLifetime
{
    private const string InitializeRequest =
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}""";

    private readonly HttpClient _http = new();
    private RunningMcpServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningMcpServer.StartAsync(fastApiBaseUrl: null);

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Without_a_token_the_endpoint_answers_401_pointing_to_metadata_that_names_the_issuer()
    {
        using var response = await _http.SendAsync(McpPost(_server, token: null));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var metadataUrl = ResourceMetadataUrl(response);
        metadataUrl.Should().Be(new Uri(_server.BaseAddress, "/.well-known/oauth-protected-resource"));
        response.Headers.WwwAuthenticate.ToString().Should().Be(
            $"Bearer scope=\"{TestIssuer.Scope}\", resource_metadata=\"{metadataUrl.AbsoluteUri}\"",
            "RFC 6750 §3.1: no error code without credentials; the MCP spec asks for the scope");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("error").GetString().Should().Be("missing_token");
        body.GetProperty("message").GetString().Should().Contain("Authorization: Bearer").And.Contain(_server.Issuer.Issuer);
        body.GetProperty("resource_metadata").GetString().Should().Be(metadataUrl.AbsoluteUri);

        using var metadataResponse = await _http.GetAsync(metadataUrl);
        metadataResponse.StatusCode.Should().Be(HttpStatusCode.OK);
        metadataResponse.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var metadata = await metadataResponse.Content.ReadFromJsonAsync<JsonElement>();
        metadata.GetProperty("resource").GetString().Should().Be(_server.McpEndpoint.AbsoluteUri);
        metadata.GetProperty("authorization_servers").EnumerateArray().Select(server => server.GetString()).Should().Equal(_server.Issuer.Issuer);
        metadata.GetProperty("bearer_methods_supported").EnumerateArray().Select(method => method.GetString()).Should().Equal("header");
        metadata.GetProperty("scopes_supported").EnumerateArray().Select(scope => scope.GetString()).Should().Equal(TestIssuer.Scope);
    }

    [Fact]
    public async Task The_issuer_discovery_document_named_by_the_metadata_lists_the_signing_keys()
    {
        var metadata = await _http.GetFromJsonAsync<JsonElement>(new Uri(_server.BaseAddress, "/.well-known/oauth-protected-resource"));
        var issuer = metadata.GetProperty("authorization_servers")[0].GetString()!;

        var discovery = await _http.GetFromJsonAsync<JsonElement>($"{issuer}/.well-known/openid-configuration");

        discovery.GetProperty("issuer").GetString().Should().Be(issuer);
        var keys = await _http.GetFromJsonAsync<JsonElement>(discovery.GetProperty("jwks_uri").GetString());
        keys.GetProperty("keys").GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task A_valid_token_admits_the_sdk_client_and_the_tools_work()
    {
        await using var client = await _server.ConnectAsync(token: _server.Issuer.MintToken());

        var tools = await client.ListToolsAsync();
        var hash = await client.CallToolAsync("hash_text", new Dictionary<string, object?> { ["text"] = "abc" });

        tools.Should().HaveCount(4);
        hash.IsError.Should().NotBe(true);
    }

    [Fact]
    public async Task A_cognito_style_token_without_aud_is_admitted_by_its_client_id()
    {
        await using var client = await _server.ConnectAsync(token: _server.Issuer.MintCognitoStyleToken());

        (await client.ListToolsAsync()).Should().HaveCount(4);
    }

    [Fact]
    public async Task A_token_with_another_aud_is_refused_even_when_its_client_id_is_the_audience()
    {
        // As API Gateway's JWT authorizer: client_id stands in for the audience only when the token has no aud.
        var token = _server.Issuer.MintToken(audience: "another-api", clientId: TestIssuer.Audience);

        var rejection = await RejectionAsync(token);

        rejection.Error.Should().Be("token_wrong_audience");
    }

    [Theory]
    [InlineData("expired", "token_expired", "expired at")]
    [InlineData("wrong audience", "token_wrong_audience", "must be 'mcp-tests'")]
    [InlineData("wrong issuer", "token_wrong_issuer", "another issuer")]
    [InlineData("signed by another key", "token_bad_signature", "signature does not verify")]
    [InlineData("not a JWT", "invalid_token", "not a valid signed JWT")]
    [InlineData("an ID token", "token_not_access_token", "not an access token (token_use=id)")]
    [InlineData("typed JWT", "token_not_access_token", "not an access token (typ JWT, expected at+jwt)")]
    public async Task A_bad_token_gets_401_with_the_challenge_and_a_json_reason_that_does_not_quote_it(
        string defect, string error, string reason)
    {
        var issuer = _server.Issuer;
        var token = defect switch
        {
            "expired" => issuer.MintToken(expires: DateTime.UtcNow.AddMinutes(-10)),
            "wrong audience" => issuer.MintToken(audience: "another-api"),
            "wrong issuer" => issuer.MintToken(issuer: "http://127.0.0.1:1/another-issuer"),
            "signed by another key" => issuer.MintTokenSignedByAnotherKey(),
            "an ID token" => issuer.MintIdToken(),
            "typed JWT" => issuer.MintToken(type: "JWT"),
            _ => "not-a-jwt-" + Guid.NewGuid().ToString("N"),
        };

        var rejection = await RejectionAsync(token);

        rejection.Status.Should().Be(HttpStatusCode.Unauthorized);
        rejection.MetadataUrl.Should().Be(new Uri(_server.BaseAddress, "/.well-known/oauth-protected-resource"));
        rejection.Error.Should().Be(error);
        rejection.Message.Should().Contain(reason);
        rejection.Body.Should().NotContain(token).And.NotContain(token.Split('.')[0]);
        rejection.Challenge.Should().StartWith($"Bearer error=\"invalid_token\", scope=\"{TestIssuer.Scope}\", error_description=\"")
            .And.Contain(reason).And.EndWith($", resource_metadata=\"{rejection.MetadataUrl.AbsoluteUri}\"");
        rejection.Challenge.Should().NotContain(token.Split('.')[0]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("apigw-test/fastapi")]
    [InlineData("apigw-test/mcp-admin apigw-test/fastapi")]
    public async Task A_valid_token_without_the_scope_gets_403_insufficient_scope_naming_it_for_step_up(string? scope)
    {
        using var response = await _http.SendAsync(McpPost(_server, _server.Issuer.MintToken(scope: scope)));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var metadataUrl = new Uri(_server.BaseAddress, "/.well-known/oauth-protected-resource").AbsoluteUri;
        response.Headers.WwwAuthenticate.ToString().Should().Be(
            $"Bearer error=\"insufficient_scope\", scope=\"{TestIssuer.Scope}\", " +
            $"error_description=\"The token does not grant scope {TestIssuer.Scope}, which this endpoint needs. Ask {_server.Issuer.Issuer} for a token with that scope.\", " +
            $"resource_metadata=\"{metadataUrl}\"");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("error").GetString().Should().Be("insufficient_scope");
        body.GetProperty("resource_metadata").GetString().Should().Be(metadataUrl);
    }

    [Fact]
    public async Task A_token_with_the_scope_among_others_is_admitted()
    {
        await using var client = await _server.ConnectAsync(token: _server.Issuer.MintToken(scope: $"apigw-test/fastapi {TestIssuer.Scope}"));

        (await client.ListToolsAsync()).Should().HaveCount(4);
    }

    [Fact]
    public async Task A_token_in_the_query_string_is_not_accepted()
    {
        var url = new Uri(_server.McpEndpoint, "?access_token=" + _server.Issuer.MintToken());
        using var request = McpPost(_server, token: null);
        request.RequestUri = url;

        using var response = await _http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Health_root_and_metadata_stay_public_and_a_bad_token_does_not_break_health()
    {
        using var health = new HttpRequestMessage(HttpMethod.Get, new Uri(_server.BaseAddress, "/health"));
        health.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _server.Issuer.MintToken(expires: DateTime.UtcNow.AddHours(-1)));

        (await _http.SendAsync(health)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _http.GetAsync(_server.BaseAddress)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await _http.GetAsync(new Uri(_server.BaseAddress, "/.well-known/oauth-protected-resource"))).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task With_public_base_url_and_root_path_the_challenge_and_metadata_name_the_public_urls()
    {
        await using var server = await RunningMcpServer.StartAsync(null, settingsOverrides: new Dictionary<string, string?>
        {
            ["PUBLIC_BASE_URL"] = "https://api.example.test/",
            ["ROOT_PATH"] = "/api/mcp",
        });

        using var response = await _http.SendAsync(McpPost(server, token: null));
        // Behind the gateway the prefix is stripped: the service serves the metadata at its own root.
        var metadata = await _http.GetFromJsonAsync<JsonElement>(new Uri(server.BaseAddress, "/.well-known/oauth-protected-resource"));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        ResourceMetadataUrl(response).AbsoluteUri.Should().Be("https://api.example.test/api/mcp/.well-known/oauth-protected-resource");
        metadata.GetProperty("resource").GetString().Should().Be("https://api.example.test/api/mcp/mcp");
        metadata.GetProperty("authorization_servers")[0].GetString().Should().Be(server.Issuer.Issuer);
    }

    [Fact]
    public async Task Without_public_base_url_the_urls_come_from_the_forwarded_headers_and_root_path()
    {
        await using var server = await RunningMcpServer.StartAsync(null, settingsOverrides: new Dictionary<string, string?>
        {
            ["ROOT_PATH"] = "/api/mcp",
        });
        using var challenge = McpPost(server, token: null);
        challenge.Headers.Add("X-Forwarded-Proto", "https");
        challenge.Headers.Add("X-Forwarded-Host", "gateway.example.test:8443");
        using var metadataRequest = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "/.well-known/oauth-protected-resource"));
        metadataRequest.Headers.Add("X-Forwarded-Proto", "https");
        metadataRequest.Headers.Add("X-Forwarded-Host", "gateway.example.test:8443");

        using var response = await _http.SendAsync(challenge);
        using var metadataResponse = await _http.SendAsync(metadataRequest);
        using var direct = await _http.SendAsync(McpPost(server, token: null));

        ResourceMetadataUrl(response).AbsoluteUri.Should().Be("https://gateway.example.test:8443/api/mcp/.well-known/oauth-protected-resource");
        (await metadataResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("resource").GetString()
            .Should().Be("https://gateway.example.test:8443/api/mcp/mcp");
        ResourceMetadataUrl(direct).AbsoluteUri.Should().Be(new Uri(server.BaseAddress, "/api/mcp/.well-known/oauth-protected-resource").AbsoluteUri);
    }

    [Fact]
    public async Task An_unreachable_issuer_gets_503_naming_its_discovery_document_and_health_stays_up()
    {
        var closedPort = McpServerProcess.FreePort();
        var deadIssuer = $"http://127.0.0.1:{closedPort}/issuer";
        await using var server = await RunningMcpServer.StartAsync(null, settingsOverrides: new Dictionary<string, string?>
        {
            ["AUTH_ISSUER"] = deadIssuer,
        });
        var token = server.Issuer.MintToken(issuer: deadIssuer);

        using var response = await _http.SendAsync(McpPost(server, token));
        using var health = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "/health"));
        health.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("error").GetString().Should().Be("issuer_unavailable");
        body.GetProperty("message").GetString().Should().Contain($"{deadIssuer}/.well-known/openid-configuration");
        (await _http.SendAsync(health)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_sdk_client_without_a_token_is_refused_with_401()
    {
        var connect = async () => await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = _server.McpEndpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
        }));

        (await connect.Should().ThrowAsync<HttpRequestException>()).Which.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData(null, null, null, "AUTH_ISSUER, AUTH_AUDIENCE and AUTH_SCOPE are not set")]
    [InlineData("http://127.0.0.1:9/issuer", null, TestIssuer.Scope, "AUTH_AUDIENCE is not set")]
    [InlineData(null, "mcp-tests", TestIssuer.Scope, "AUTH_ISSUER is not set")]
    [InlineData("http://127.0.0.1:9/issuer", "mcp-tests", null, "AUTH_SCOPE is not set")]
    public void Without_issuer_audience_or_scope_the_server_refuses_to_start_naming_what_is_missing(string? issuer, string? audience, string? scope, string problem)
    {
        var create = () => McpServerApplication.Create([], new Dictionary<string, string?>
        {
            ["AUTH_ISSUER"] = issuer ?? "",
            ["AUTH_AUDIENCE"] = audience ?? "",
            ["AUTH_SCOPE"] = scope ?? "",
            ["PORT"] = "0",
            ["BIND_ADDRESS"] = "127.0.0.1",
        });

        create.Should().Throw<InvalidOperationException>().WithMessage($"*{problem}*does not start*Set AUTH_ISSUER*AUTH_AUDIENCE*AUTH_SCOPE*apigw-dev/mcp*");
    }

    [Fact]
    public async Task The_server_process_without_issuer_audience_and_scope_exits_1_with_one_line_naming_them()
    {
        await using var server = McpServerProcess.Start(new Dictionary<string, string>
        {
            ["PORT"] = McpServerProcess.FreePort().ToString(),
            ["BIND_ADDRESS"] = "127.0.0.1",
        });

        var exitCode = await server.WaitForExitAsync();

        exitCode.Should().Be(1, server.Output);
        server.Output.Should().StartWith("mcp: not starting: AUTH_ISSUER, AUTH_AUDIENCE and AUTH_SCOPE are not set").And.NotContain("   at ");
    }

    [Fact]
    public async Task The_server_process_takes_tokens_of_its_issuer_only()
    {
        var port = McpServerProcess.FreePort();
        await using var issuer = await TestIssuer.StartAsync();
        await using var server = McpServerProcess.Start(new Dictionary<string, string>(issuer.ServerEnvironment)
        {
            ["PORT"] = port.ToString(),
            ["BIND_ADDRESS"] = "127.0.0.1",
        });
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        await server.WaitUntilHealthyAsync(new Uri(baseAddress, "/health"));
        var endpoint = new Uri(baseAddress, "/mcp");

        using var anonymous = await _http.SendAsync(McpPost(endpoint, token: null));
        using var wrongAudience = await _http.SendAsync(McpPost(endpoint, issuer.MintToken(audience: "another-api")));
        using var withoutScope = await _http.SendAsync(McpPost(endpoint, issuer.MintToken(scope: "apigw-test/fastapi")));
        using var idToken = await _http.SendAsync(McpPost(endpoint, issuer.MintIdToken()));
        using var valid = await _http.SendAsync(McpPost(endpoint, issuer.MintToken()));

        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        ResourceMetadataUrl(anonymous).Should().Be(new Uri(baseAddress, "/.well-known/oauth-protected-resource"));
        wrongAudience.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        withoutScope.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        withoutScope.Headers.WwwAuthenticate.ToString().Should().StartWith($"Bearer error=\"insufficient_scope\", scope=\"{TestIssuer.Scope}\"");
        idToken.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        idToken.Headers.WwwAuthenticate.ToString().Should().StartWith("Bearer error=\"invalid_token\"");
        valid.StatusCode.Should().Be(HttpStatusCode.OK, server.Output);
        (await valid.Content.ReadAsStringAsync()).Should().Contain("\"serverInfo\"");
    }

    /// <summary>The URL in <c>WWW-Authenticate: Bearer resource_metadata="..."</c>, failing when the challenge lacks it.</summary>
    public static Uri ResourceMetadataUrl(HttpResponseMessage response)
    {
        var challenge = response.Headers.WwwAuthenticate.SingleOrDefault(value => value.Scheme == "Bearer");
        challenge.Should().NotBeNull("a 401 must carry a Bearer challenge");
        var match = ResourceMetadataParameter().Match(challenge!.Parameter ?? "");
        match.Success.Should().BeTrue($"the Bearer challenge '{challenge.Parameter}' must name resource_metadata");
        return new Uri(match.Groups["url"].Value);
    }

    private async Task<(HttpStatusCode Status, string Error, string Message, Uri MetadataUrl, string Body, string Challenge)> RejectionAsync(string token)
    {
        using var response = await _http.SendAsync(McpPost(_server, token));
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonSerializer.Deserialize<JsonElement>(text);
        return (response.StatusCode, body.GetProperty("error").GetString()!, body.GetProperty("message").GetString()!, ResourceMetadataUrl(response), text,
            response.Headers.WwwAuthenticate.ToString());
    }

    private static HttpRequestMessage McpPost(RunningMcpServer server, string? token) => McpPost(server.McpEndpoint, token);

    private static HttpRequestMessage McpPost(Uri endpoint, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(InitializeRequest, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    [GeneratedRegex("""resource_metadata="(?<url>[^"]+)"(,|$)""")]
    private static partial Regex ResourceMetadataParameter();
}
