using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Pipeline.Gateway.Tests;

/// <summary>
/// The gateway's bearer-token check on the service routes: what it lets through without a token (the manifest's public
/// paths, the RFC 9728 discovery route, the internal routes), and how it turns everything else away.
/// </summary>
public sealed class GatewayAuthTests : IAsyncLifetime
{
    readonly ServicesFolder services = new ServicesFolder("api", "mcp")
        .Declare("api", """ "publicPaths": ["/docs", "/openapi.json", "/static/*"] """)
        .Declare("mcp", """ "resourceMetadataPath": "/.well-known/oauth-protected-resource" """);
    readonly HttpClient http = new();
    readonly List<string> reached = [];
    LocalServer api = null!;
    LocalServer mcp = null!;
    LocalServer gateway = null!;

    public async Task InitializeAsync()
    {
        api = await LocalServer.StartUpstreamAsync(app => app.Map("{**any}", (HttpContext c) => Echo("api", c)));
        mcp = await LocalServer.StartUpstreamAsync(app => app.Map("{**any}", (HttpContext c) => Echo("mcp", c)));
        gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri> { ["api"] = api.BaseAddress, ["mcp"] = mcp.BaseAddress });
        http.BaseAddress = gateway.BaseAddress;
    }

    IResult Echo(string service, HttpContext context)
    {
        lock (reached) reached.Add($"{service} {context.Request.Path}");
        return Results.Json(new
        {
            service,
            path = context.Request.Path.Value,
            prefix = context.Request.Headers["X-Forwarded-Prefix"].ToString(),
            authorization = context.Request.Headers.Authorization.ToString(),
        });
    }

    sealed record EchoBody(string Service, string Path, string Prefix, string Authorization);

    string Origin => $"http://127.0.0.1:{gateway.BaseAddress.Port}";

    [Fact]
    public async Task A_request_without_a_token_gets_a_json_401_with_a_bare_bearer_challenge_and_never_reaches_the_service()
    {
        using var response = await http.PostAsJsonAsync("/api/api/compute/statistics", new { values = new[] { 1, 2 } });

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("error").GetString().Should().Be("unauthorized");
        body.GetProperty("reason").GetString().Should().Be("missing bearer token");
        response.Headers.WwwAuthenticate.ToString().Should().Be("Bearer", "RFC 6750 §3.1: no error code when no credentials were sent");
        reached.Should().BeEmpty();
    }

    public static TheoryData<string, string> Rejections => new()
    {
        { "expired", "token expired" },
        { "audience", "wrong audience (expected apigw-test)" },
        { "issuer", "wrong issuer (expected {origin}/_auth)" },
        { "signature", "invalid signature" },
        { "malformed", "malformed token" },
        { "basic", "missing bearer token" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task A_bad_token_gets_a_401_that_says_what_was_wrong_without_echoing_the_token(string kind, string reason)
    {
        var token = kind switch
        {
            "expired" => TestIssuer.Forge(gateway.BaseAddress, expires: DateTime.UtcNow.AddMinutes(-5)),
            "audience" => TestIssuer.Forge(gateway.BaseAddress, audience: "apigw-prod"),
            "issuer" => TestIssuer.Forge(gateway.BaseAddress, issuer: "https://login.example.com/tenant"),
            "signature" => TestIssuer.Forge(gateway.BaseAddress, signer: TestIssuer.Stranger),
            "malformed" => "not-a-jwt.at-all",
            _ => "dXNlcjpwYXNz",
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/api/items/7");
        request.Headers.Authorization = new AuthenticationHeaderValue(kind == "basic" ? "Basic" : "Bearer", token);

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var text = await response.Content.ReadAsStringAsync();
        var expected = reason.Replace("{origin}", Origin);
        JsonDocument.Parse(text).RootElement.GetProperty("reason").GetString().Should().Be(expected);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        if (kind == "basic")
            challenge.Should().Be("Bearer");
        else
            challenge.Should().Be($"Bearer error=\"invalid_token\", error_description=\"{expected}\"");
        foreach (var part in token.Split('.').Where(p => p.Length > 8))
            (text + challenge).Should().NotContain(part, "a rejection never echoes the token");
        reached.Should().BeEmpty();
    }

    public static TheoryData<string, string?> ScopesWithoutTheServices => new()
    {
        { "none", null },
        { "another service's", "apigw-test/mcp" },
        { "another environment's", "apigw-prod/api" },
        { "a lookalike", "apigw-test/api-admin apigw-test/apis" },
    };

    [Theory]
    [MemberData(nameof(ScopesWithoutTheServices))]
    public async Task A_valid_token_without_the_services_scope_gets_a_403_insufficient_scope_naming_it(string kind, string? scope)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/api/items/7");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestIssuer.Forge(gateway.BaseAddress, scope: scope));

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden, kind);
        response.Headers.WwwAuthenticate.ToString().Should().Be(
            "Bearer error=\"insufficient_scope\", scope=\"apigw-test/api\", error_description=\"the token lacks scope apigw-test/api\"");
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("error").GetString().Should().Be("forbidden");
        body.GetProperty("reason").GetString().Should().Be("the token lacks scope apigw-test/api");
        reached.Should().BeEmpty();
    }

    [Fact]
    public async Task A_protected_resource_answers_a_token_without_its_scope_with_the_step_up_challenge_and_its_metadata()
    {
        var token = await TestIssuer.TokenAsync(gateway.BaseAddress, scope: TestIssuer.ScopeOf("api"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/mcp/mcp");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        response.Headers.WwwAuthenticate.ToString().Should().Be(
            "Bearer error=\"insufficient_scope\", scope=\"apigw-test/mcp\", error_description=\"the token lacks scope apigw-test/mcp\", " +
            $"resource_metadata=\"{Origin}/api/mcp/.well-known/oauth-protected-resource\"");
        reached.Should().BeEmpty();
    }

    [Fact]
    public async Task A_token_with_the_services_scope_among_others_reaches_it()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/api/items/7");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer",
            TestIssuer.Forge(gateway.BaseAddress, scope: "apigw-test/mcp apigw-test/api"));

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    public static TheoryData<string, string, string?, string> NotAccessTokens => new()
    {
        { "an ID token", "JWT", "id", "not an access token (token_use=id); send an access token" },
        { "an ID token typed as an access token", "at+jwt", "id", "not an access token (token_use=id); send an access token" },
        { "a token typed JWT", "JWT", null, "not an access token (typ JWT, expected at+jwt); send an access token" },
    };

    [Theory]
    [MemberData(nameof(NotAccessTokens))]
    public async Task A_token_that_is_not_an_access_token_gets_a_401_invalid_token(string kind, string type, string? tokenUse, string reason)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/api/items/7");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestIssuer.Forge(gateway.BaseAddress, type: type, tokenUse: tokenUse));

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, kind);
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("reason").GetString().Should().Be(reason);
        response.Headers.WwwAuthenticate.ToString().Should().Be($"Bearer error=\"invalid_token\", error_description=\"{reason}\"");
        reached.Should().BeEmpty();
    }

    [Theory]
    [InlineData("JWT", "access")]
    [InlineData("application/at+jwt", null)]
    [InlineData("AT+JWT", null)]
    public async Task Access_tokens_are_recognised_by_typ_or_by_token_use(string type, string? tokenUse)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/api/items/7");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestIssuer.Forge(gateway.BaseAddress, type: type, tokenUse: tokenUse));

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_token_just_past_its_expiry_is_still_accepted_within_the_small_clock_skew()
    {
        var token = TestIssuer.Forge(gateway.BaseAddress, expires: DateTime.UtcNow.AddSeconds(-5));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/api/items");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_valid_token_reaches_the_service_which_gets_the_authorization_header_to_check_again()
    {
        var token = await TestIssuer.TokenAsync(gateway.BaseAddress);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/api/items/7");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<EchoBody>())!.Should().Be(new EchoBody("api", "/items/7", "/api/api", $"Bearer {token}"));
    }

    [Theory]
    [InlineData("/api/api/health")]
    [InlineData("/api/api/docs")]
    [InlineData("/api/api/openapi.json")]
    [InlineData("/api/api/static/app.js")]
    [InlineData("/api/api/static/css/site.css")]
    [InlineData("/api/mcp/health")]
    [InlineData("/api/mcp/.well-known/oauth-protected-resource")]
    [InlineData("/_internal/api/compute/statistics")]
    [InlineData("/_internal/mcp/mcp")]
    public async Task Public_paths_and_the_internal_routes_need_no_token(string path)
    {
        using var response = await http.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api/api")]
    [InlineData("/api/api/")]
    [InlineData("/api/api/health/")]
    [InlineData("/api/api/healthz")]
    [InlineData("/api/api/docs/internal")]
    [InlineData("/api/api/documents")]
    [InlineData("/api/api/static")]
    [InlineData("/api/api/openapi.json.bak")]
    [InlineData("/api/mcp/docs")]
    [InlineData("/api/mcp/mcp")]
    public async Task Paths_next_to_a_public_one_still_need_a_token(string path)
    {
        using var response = await http.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        reached.Should().BeEmpty();
    }

    [Fact]
    public async Task A_protected_resource_names_its_metadata_in_every_challenge_and_the_metadata_url_is_served_without_a_token()
    {
        using var initialize = await http.PostAsync("/api/mcp/mcp", new StringContent(
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""",
            System.Text.Encoding.UTF8, "application/json"));
        using var expired = new HttpRequestMessage(HttpMethod.Post, "/api/mcp/mcp");
        expired.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestIssuer.Forge(gateway.BaseAddress, expires: DateTime.UtcNow.AddHours(-1)));
        using var expiredResponse = await http.SendAsync(expired);

        var metadataUrl = $"{Origin}/api/mcp/.well-known/oauth-protected-resource";
        initialize.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        initialize.Headers.WwwAuthenticate.ToString().Should().Be($"Bearer scope=\"apigw-test/mcp\", resource_metadata=\"{metadataUrl}\"");
        expiredResponse.Headers.WwwAuthenticate.ToString().Should()
            .Be($"Bearer error=\"invalid_token\", scope=\"apigw-test/mcp\", error_description=\"token expired\", resource_metadata=\"{metadataUrl}\"");
        var metadata = (await http.GetFromJsonAsync<EchoBody>(metadataUrl))!;
        metadata.Should().Be(new EchoBody("mcp", "/.well-known/oauth-protected-resource", "/api/mcp", ""));
    }

    [Theory]
    [InlineData("/.well-known/oauth-protected-resource/api/mcp/mcp")]
    [InlineData("/.well-known/oauth-protected-resource/api/mcp")]
    public async Task The_rfc9728_well_known_route_serves_the_service_metadata_without_a_token(string path)
    {
        var metadata = (await http.GetFromJsonAsync<EchoBody>(path))!;

        metadata.Should().Be(new EchoBody("mcp", "/.well-known/oauth-protected-resource", "/api/mcp", ""));
    }

    [Theory]
    [InlineData("GET", "/.well-known/oauth-protected-resource/api/api/x")]
    [InlineData("POST", "/.well-known/oauth-protected-resource/api/mcp/mcp")]
    public async Task The_well_known_route_exists_only_for_gets_of_a_protected_resource(string method, string path)
    {
        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        reached.Should().BeEmpty();
    }

    [Fact]
    public async Task The_gateway_endpoints_need_no_api_token()
    {
        using var health = await http.GetAsync(GatewayApp.HealthPath);
        using var discovery = await http.GetAsync("/_auth/.well-known/openid-configuration");

        health.StatusCode.Should().Be(HttpStatusCode.OK);
        discovery.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_gateway_of_another_environment_rejects_this_ones_tokens_as_badly_signed()
    {
        await using var other = await LocalServer.StartGatewayAsync(services.Path,
            new Dictionary<string, Uri> { ["api"] = api.BaseAddress }, issuer: TestIssuer.Stranger);
        // Same audience and the other gateway's own issuer URL: only the key differs.
        var token = TestIssuer.Forge(other.BaseAddress);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(other.BaseAddress, "/api/api/items"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("reason").GetString().Should().Be("invalid signature");
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await gateway.DisposeAsync();
        await api.DisposeAsync();
        await mcp.DisposeAsync();
        services.Dispose();
    }
}
