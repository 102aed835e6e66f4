using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Pipeline.Gateway.Auth;
using Pipeline.Manifests;

namespace Pipeline.Gateway.Tests;

/// <summary>
/// The local issuer credentials every test gateway uses (one key for the test run, as one environment has one), and
/// tokens made by hand for the rejections: expired, for another audience or issuer, signed with another key, without a
/// service's scope, not an access token.
/// </summary>
static class TestIssuer
{
    /// <summary>The environment of every test gateway: its audience is <c>apigw-test</c>, a service's scope <c>apigw-test/&lt;service&gt;</c>.</summary>
    public const string Environment = "test";

    public const string Audience = "apigw-" + Environment;

    /// <summary>The scope of service <c>api</c> (<see cref="ScopeOf"/>), the one most tests call.</summary>
    public const string ApiScope = Audience + "/api";

    public static LocalIssuerCredentials Credentials { get; } = LocalIssuerCredentials.Generate(Audience);

    /// <summary>Another environment's key: its tokens look right but their signature does not verify here.</summary>
    public static LocalIssuerCredentials Stranger { get; } = LocalIssuerCredentials.Generate(Audience);

    /// <summary>A token from the gateway's own token endpoint, the way a client gets one (client_secret_basic).</summary>
    /// <param name="scope">The scope to ask for; none by default, which gets every service's scope.</param>
    public static async Task<string> TokenAsync(Uri gateway, LocalIssuerCredentials? credentials = null, string? scope = null)
    {
        credentials ??= Credentials;
        using var http = new HttpClient();
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (scope is not null)
            form["scope"] = scope;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/_auth/token"))
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{credentials.ClientId}:{credentials.ClientSecret}")));
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue($"the token endpoint answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>An HttpClient that sends a token of the gateway's issuer with every request.</summary>
    public static async Task<HttpClient> AuthorizedClientAsync(Uri gateway, TimeSpan? timeout = null)
    {
        var http = new HttpClient { BaseAddress = gateway, Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(gateway));
        return http;
    }

    /// <summary>The scope a token needs for <paramref name="service"/>'s routes on a test gateway.</summary>
    public static string ScopeOf(string service) => DeploymentNames.ServiceScope(Environment, service);

    /// <summary>A token signed with <paramref name="signer"/>'s key with the given claims, as the issuer would make it otherwise.</summary>
    /// <param name="scope">The <c>scope</c> claim (space-separated); null leaves it out.</param>
    /// <param name="type">The header's <c>typ</c>: <c>at+jwt</c> as the issuer makes it, <c>JWT</c> as an ID token (or a Cognito access token) has it.</param>
    /// <param name="tokenUse">Cognito's <c>token_use</c> claim (<c>access</c>, <c>id</c>); null leaves it out.</param>
    public static string Forge(Uri gateway, LocalIssuerCredentials? signer = null, string? audience = null, string? issuer = null,
        DateTime? expires = null, DateTime? notBefore = null, string? scope = ApiScope, string type = LocalIssuer.AccessTokenType, string? tokenUse = null)
    {
        signer ??= Credentials;
        using var rsa = signer.CreateSigningKey();
        var now = DateTime.UtcNow;
        var expiry = expires ?? now.AddHours(1);
        var start = notBefore ?? (expiry < now ? expiry.AddHours(-1) : now);
        var claims = new Dictionary<string, object> { ["sub"] = signer.ClientId, ["client_id"] = signer.ClientId };
        if (scope is not null)
            claims["scope"] = scope;
        if (tokenUse is not null)
            claims[AccessTokenRule.TokenUseClaim] = tokenUse;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? new Uri(gateway, "/_auth").ToString().TrimEnd('/'),
            Audience = audience ?? Audience,
            IssuedAt = start,
            NotBefore = start,
            Expires = expiry,
            TokenType = type,
            Claims = claims,
            // Not the shared provider cache: it would keep this disposed RSA under the key id for the next token.
            SigningCredentials = new SigningCredentials(
                new RsaSecurityKey(rsa) { KeyId = signer.KeyId, CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false } },
                SecurityAlgorithms.RsaSha256),
        });
    }
}
