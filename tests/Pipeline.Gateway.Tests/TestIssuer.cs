using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Pipeline.Manifests;

namespace Pipeline.Gateway.Tests;

/// <summary>
/// The local issuer credentials every test gateway uses (one key for the test run, as one environment has one), and
/// tokens made by hand for the rejections: expired, for another audience or issuer, signed with another key.
/// </summary>
static class TestIssuer
{
    public const string Audience = "apigw-test";

    public static LocalIssuerCredentials Credentials { get; } = LocalIssuerCredentials.Generate(Audience);

    /// <summary>Another environment's key: its tokens look right but their signature does not verify here.</summary>
    public static LocalIssuerCredentials Stranger { get; } = LocalIssuerCredentials.Generate(Audience);

    /// <summary>A token from the gateway's own token endpoint, the way a client gets one (client_secret_basic).</summary>
    public static async Task<string> TokenAsync(Uri gateway, LocalIssuerCredentials? credentials = null)
    {
        credentials ??= Credentials;
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/_auth/token"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
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

    /// <summary>A token signed with <paramref name="signer"/>'s key with the given claims, as the issuer would make it otherwise.</summary>
    public static string Forge(Uri gateway, LocalIssuerCredentials? signer = null, string? audience = null, string? issuer = null,
        DateTime? expires = null, DateTime? notBefore = null)
    {
        signer ??= Credentials;
        using var rsa = signer.CreateSigningKey();
        var now = DateTime.UtcNow;
        var expiry = expires ?? now.AddHours(1);
        var start = notBefore ?? (expiry < now ? expiry.AddHours(-1) : now);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? new Uri(gateway, "/_auth").ToString().TrimEnd('/'),
            Audience = audience ?? Audience,
            IssuedAt = start,
            NotBefore = start,
            Expires = expiry,
            Claims = new Dictionary<string, object> { ["sub"] = signer.ClientId, ["client_id"] = signer.ClientId, ["scope"] = "api" },
            // Not the shared provider cache: it would keep this disposed RSA under the key id for the next token.
            SigningCredentials = new SigningCredentials(
                new RsaSecurityKey(rsa) { KeyId = signer.KeyId, CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false } },
                SecurityAlgorithms.RsaSha256),
        });
    }
}
