using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Pipeline.Gateway.Tests;

/// <summary>The local issuer as a client sees it through the gateway: discovery, JWKS, and the client-credentials grant.</summary>
public sealed class LocalIssuerTests : IAsyncLifetime
{
    readonly ServicesFolder services = new("alpha", "mcp");
    readonly HttpClient http = new();
    LocalServer gateway = null!;

    string Issuer => $"http://127.0.0.1:{gateway.BaseAddress.Port}/_auth";

    public async Task InitializeAsync()
    {
        gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri>());
        http.BaseAddress = gateway.BaseAddress;
    }

    [Theory]
    [InlineData("/_auth/.well-known/openid-configuration")]
    [InlineData("/.well-known/oauth-authorization-server/_auth")]
    [InlineData("/_auth/.well-known/oauth-authorization-server")]
    [InlineData("/.well-known/openid-configuration/_auth")]
    public async Task Discovery_names_every_endpoint_and_capability_the_mcp_sdks_read(string path)
    {
        using var response = await http.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var discovery = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        discovery.GetProperty("issuer").GetString().Should().Be(Issuer);
        discovery.GetProperty("authorization_endpoint").GetString().Should().Be(Issuer + "/authorize");
        discovery.GetProperty("token_endpoint").GetString().Should().Be(Issuer + "/token");
        discovery.GetProperty("registration_endpoint").GetString().Should().Be(Issuer + "/register");
        discovery.GetProperty("jwks_uri").GetString().Should().Be(Issuer + "/jwks");
        Strings(discovery, "code_challenge_methods_supported").Should().Equal("S256");
        Strings(discovery, "grant_types_supported").Should().BeEquivalentTo("authorization_code", "refresh_token", "client_credentials");
        Strings(discovery, "response_types_supported").Should().Equal("code");
        Strings(discovery, "token_endpoint_auth_methods_supported").Should().BeEquivalentTo("none", "client_secret_basic", "client_secret_post");
        Strings(discovery, "scopes_supported").Should().Equal("apigw-test/alpha", "apigw-test/mcp");
        discovery.GetProperty("client_id_metadata_document_supported").GetBoolean().Should().BeTrue();
        Strings(discovery, "id_token_signing_alg_values_supported").Should().Equal("RS256");
        Strings(discovery, "subject_types_supported").Should().Equal("public");
    }

    [NodeToolsFact]
    public async Task The_typescript_sdk_parses_the_discovery_document_with_its_own_schemas()
    {
        var document = await http.GetStringAsync("/.well-known/oauth-authorization-server/_auth");
        var script = """
            const { OAuthMetadataSchema, OpenIdProviderDiscoveryMetadataSchema } = await import('@modelcontextprotocol/sdk/shared/auth.js');
            let input = '';
            for await (const chunk of process.stdin) input += chunk;
            const document = JSON.parse(input);
            OAuthMetadataSchema.parse(document);
            OpenIdProviderDiscoveryMetadataSchema.parse(document);
            console.log('parsed');
            """;

        var (exitCode, output) = await NodeScript.RunAsync(script, stdin: document);

        exitCode.Should().Be(0, output);
        output.Should().Contain("parsed");
    }

    [Fact]
    public async Task The_jwks_publishes_the_public_key_only_and_it_verifies_an_issued_token()
    {
        var token = await TestIssuer.TokenAsync(gateway.BaseAddress);

        var jwksText = await http.GetStringAsync("/_auth/jwks");
        var keys = new JsonWebKeySet(jwksText).Keys;

        keys.Should().ContainSingle();
        keys[0].Kid.Should().Be(TestIssuer.Credentials.KeyId);
        keys[0].Kty.Should().Be("RSA");
        keys[0].Use.Should().Be("sig");
        keys[0].Alg.Should().Be("RS256");
        keys[0].HasPrivateKey.Should().BeFalse();
        JsonDocument.Parse(jwksText).RootElement.GetProperty("keys")[0].TryGetProperty("d", out _).Should().BeFalse("the private exponent never leaves the gateway");
        var validated = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = TestIssuer.Audience,
            IssuerSigningKeys = keys,
        });
        validated.IsValid.Should().BeTrue(validated.Exception?.ToString());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_credentials_grant_returns_an_rs256_access_token_with_the_claims_of_an_access_token(bool basic)
    {
        var credentials = TestIssuer.Credentials;
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (!basic)
        {
            form["client_id"] = credentials.ClientId;
            form["client_secret"] = credentials.ClientSecret;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_auth/token") { Content = new FormUrlEncodedContent(form) };
        if (basic)
            request.Headers.Authorization = Basic(credentials.ClientId, credentials.ClientSecret);

        using var response = await http.SendAsync(request);

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        var answer = JsonDocument.Parse(body).RootElement;
        answer.GetProperty("token_type").GetString().Should().Be("Bearer");
        answer.GetProperty("expires_in").GetInt32().Should().Be(3600);
        answer.GetProperty("scope").GetString().Should().Be("apigw-test/alpha apigw-test/mcp", "a request without a scope gets every service's scope, as Cognito grants all");
        answer.TryGetProperty("refresh_token", out _).Should().BeFalse("client credentials need no refresh token");
        var token = new JsonWebToken(answer.GetProperty("access_token").GetString());
        token.Alg.Should().Be("RS256");
        token.Typ.Should().Be("at+jwt");
        token.Kid.Should().Be(credentials.KeyId);
        token.Issuer.Should().Be(Issuer);
        token.Audiences.Should().Equal(TestIssuer.Audience);
        token.Subject.Should().Be(credentials.ClientId);
        token.GetClaim("client_id").Value.Should().Be(credentials.ClientId);
        token.GetClaim("scope").Value.Should().Be("apigw-test/alpha apigw-test/mcp");
        token.Id.Should().NotBeNullOrEmpty();
        (token.ValidTo - token.IssuedAt).Should().Be(TimeSpan.FromHours(1));
        token.ValidFrom.Should().Be(token.IssuedAt);
    }

    [Fact]
    public async Task A_known_scope_is_granted_as_asked_and_an_unknown_one_is_invalid_scope()
    {
        var client = Basic(TestIssuer.Credentials.ClientId, TestIssuer.Credentials.ClientSecret);
        using var known = await PostAsync(new() { ["grant_type"] = "client_credentials", ["scope"] = "apigw-test/mcp" }, client);
        using var unknown = await PostAsync(new() { ["grant_type"] = "client_credentials", ["scope"] = "apigw-test/mcp mcp:tools" }, client);

        var answer = JsonDocument.Parse(await known.Content.ReadAsStringAsync()).RootElement;
        new JsonWebToken(answer.GetProperty("access_token").GetString()).GetClaim("scope").Value.Should().Be("apigw-test/mcp");
        (await ErrorOf(unknown)).Should().Be((HttpStatusCode.BadRequest, "invalid_scope"));
        (await unknown.Content.ReadAsStringAsync()).Should().Contain("mcp:tools").And.Contain("apigw-test/alpha");
    }

    [Fact]
    public async Task A_token_for_a_resource_carries_it_in_aud_beside_the_api_audience_with_only_that_services_scope()
    {
        var client = Basic(TestIssuer.Credentials.ClientId, TestIssuer.Credentials.ClientSecret);
        var resource = $"http://127.0.0.1:{gateway.BaseAddress.Port}/api/mcp/mcp";
        using var bound = await PostAsync(new() { ["grant_type"] = "client_credentials", ["resource"] = resource }, client);
        using var elsewhere = await PostAsync(new() { ["grant_type"] = "client_credentials", ["resource"] = "https://other.example/api/mcp" }, client);
        using var unknownPrefix = await PostAsync(new() { ["grant_type"] = "client_credentials", ["resource"] = $"http://127.0.0.1:{gateway.BaseAddress.Port}/api/other" }, client);
        using var wrongScope = await PostAsync(new() { ["grant_type"] = "client_credentials", ["resource"] = resource, ["scope"] = "apigw-test/alpha" }, client);

        var answer = JsonDocument.Parse(await bound.Content.ReadAsStringAsync()).RootElement;
        var token = new JsonWebToken(answer.GetProperty("access_token").GetString());
        token.Audiences.Should().Equal(TestIssuer.Audience, resource);
        token.GetClaim("scope").Value.Should().Be("apigw-test/mcp");
        (await ErrorOf(elsewhere)).Should().Be((HttpStatusCode.BadRequest, "invalid_target"));
        (await ErrorOf(unknownPrefix)).Should().Be((HttpStatusCode.BadRequest, "invalid_target"));
        (await ErrorOf(wrongScope)).Should().Be((HttpStatusCode.BadRequest, "invalid_scope"));

        using var authorized = new HttpRequestMessage(HttpMethod.Get, "/api/mcp/anything");
        authorized.Headers.Authorization = new AuthenticationHeaderValue("Bearer", answer.GetProperty("access_token").GetString());
        using var proxied = await http.SendAsync(authorized);
        proxied.StatusCode.Should().NotBe(HttpStatusCode.Unauthorized, "the gateway checks the API audience, which the bound token still carries");
    }

    [Fact]
    public async Task A_wrong_secret_is_an_invalid_client_401_that_repeats_no_secret()
    {
        const string wrong = "wrong-secret-0123456789";
        using var basic = await PostAsync(new() { ["grant_type"] = "client_credentials" }, Basic(TestIssuer.Credentials.ClientId, wrong));
        using var posted = await PostAsync(new()
        {
            ["grant_type"] = "client_credentials", ["client_id"] = TestIssuer.Credentials.ClientId, ["client_secret"] = wrong,
        });

        foreach (var response in new[] { basic, posted })
        {
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            var text = await response.Content.ReadAsStringAsync();
            JsonDocument.Parse(text).RootElement.GetProperty("error").GetString().Should().Be("invalid_client");
            text.Should().NotContain(wrong).And.NotContain(TestIssuer.Credentials.ClientSecret);
        }
        basic.Headers.WwwAuthenticate.Should().ContainSingle(h => h.Scheme == "Basic", "RFC 6749 §5.2: a client that used the Authorization header gets a challenge");
    }

    [Fact]
    public async Task Another_grant_or_no_grant_or_no_form_is_refused_with_the_oauth_error()
    {
        var client = Basic(TestIssuer.Credentials.ClientId, TestIssuer.Credentials.ClientSecret);

        using var password = await PostAsync(new() { ["grant_type"] = "password", ["username"] = "u", ["password"] = "p" }, client);
        using var none = await PostAsync(new() { ["scope"] = "apigw-test/alpha" }, client);
        using var json = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/_auth/token")
        {
            Content = new StringContent("""{"grant_type":"client_credentials"}""", Encoding.UTF8, "application/json"),
            Headers = { Authorization = client },
        });
        using var anonymous = await PostAsync(new() { ["grant_type"] = "client_credentials" });

        (await ErrorOf(password)).Should().Be((HttpStatusCode.BadRequest, "unsupported_grant_type"));
        (await ErrorOf(none)).Should().Be((HttpStatusCode.BadRequest, "invalid_request"));
        (await ErrorOf(json)).Should().Be((HttpStatusCode.BadRequest, "invalid_request"));
        (await ErrorOf(anonymous)).Should().Be((HttpStatusCode.Unauthorized, "invalid_client"));
    }

    [Fact]
    public async Task The_issuer_needs_no_token_and_is_not_an_open_proxy_to_any_service()
    {
        using var jwks = await http.GetAsync("/_auth/jwks");
        using var unknown = await http.GetAsync("/_auth/userinfo");

        jwks.StatusCode.Should().Be(HttpStatusCode.OK);
        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    Task<HttpResponseMessage> PostAsync(Dictionary<string, string> form, AuthenticationHeaderValue? authorization = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/_auth/token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = authorization;
        return http.SendAsync(request);
    }

    static async Task<(HttpStatusCode, string?)> ErrorOf(HttpResponseMessage response) =>
        (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());

    static AuthenticationHeaderValue Basic(string id, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(id)}:{Uri.EscapeDataString(secret)}")));

    static IEnumerable<string?> Strings(JsonElement element, string property) =>
        element.GetProperty(property).EnumerateArray().Select(e => e.GetString());

    public async Task DisposeAsync()
    {
        http.Dispose();
        await gateway.DisposeAsync();
        services.Dispose();
    }
}
