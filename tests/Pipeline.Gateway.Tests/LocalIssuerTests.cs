using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Pipeline.Gateway.Tests;

/// <summary>The local issuer as a client sees it through the gateway: discovery, JWKS, and the client-credentials token endpoint.</summary>
public sealed class LocalIssuerTests : IAsyncLifetime
{
    readonly ServicesFolder services = new("alpha", "beta");
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
    public async Task Discovery_names_the_issuer_its_keys_and_the_client_credentials_token_endpoint(string path)
    {
        using var response = await http.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var discovery = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        discovery.GetProperty("issuer").GetString().Should().Be(Issuer);
        discovery.GetProperty("jwks_uri").GetString().Should().Be(Issuer + "/jwks");
        discovery.GetProperty("token_endpoint").GetString().Should().Be(Issuer + "/token");
        Strings(discovery, "grant_types_supported").Should().Equal("client_credentials");
        Strings(discovery, "token_endpoint_auth_methods_supported").Should().BeEquivalentTo("client_secret_basic", "client_secret_post");
        Strings(discovery, "id_token_signing_alg_values_supported").Should().Equal("RS256");
        Strings(discovery, "scopes_supported").Should().BeEquivalentTo("apigw-test/alpha", "apigw-test/beta");
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
    public async Task A_client_credentials_grant_without_a_scope_returns_an_access_token_with_every_services_scope(bool basic)
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
        answer.GetProperty("scope").GetString().Should().Be("apigw-test/alpha apigw-test/beta", "Cognito grants every allowed scope when none is asked for");
        var token = new JsonWebToken(answer.GetProperty("access_token").GetString());
        token.Typ.Should().Be("at+jwt", "RFC 9068: an access token says so in its header");
        token.Alg.Should().Be("RS256");
        token.Kid.Should().Be(credentials.KeyId);
        token.Issuer.Should().Be(Issuer);
        token.Audiences.Should().Equal(TestIssuer.Audience);
        token.Subject.Should().Be(credentials.ClientId);
        token.GetClaim("client_id").Value.Should().Be(credentials.ClientId);
        token.GetClaim("scope").Value.Should().Be("apigw-test/alpha apigw-test/beta");
        token.Id.Should().NotBeNullOrEmpty();
        (token.ValidTo - token.IssuedAt).Should().Be(TimeSpan.FromHours(1));
        token.ValidFrom.Should().Be(token.IssuedAt);
    }

    [Fact]
    public async Task A_requested_scope_is_granted_as_asked()
    {
        using var response = await PostAsync(new() { ["grant_type"] = "client_credentials", ["scope"] = "api mcp:tools" }, Basic(TestIssuer.Credentials.ClientId, TestIssuer.Credentials.ClientSecret));

        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        new JsonWebToken(answer.GetProperty("access_token").GetString()).GetClaim("scope").Value.Should().Be("api mcp:tools");
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
        using var none = await PostAsync(new() { ["scope"] = "api" }, client);
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
