using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mcp.Server.Tests;

/// <summary>
/// A small OIDC issuer on 127.0.0.1, like the platform's: an RSA signing key, a discovery document at
/// <c>{issuer}/.well-known/openid-configuration</c> and its JWKS, minting RS256 access tokens with
/// <c>iss</c>, <c>aud</c>, <c>exp</c>, <c>sub</c>, <c>client_id</c> and <c>scope</c>, typed <c>at+jwt</c> (RFC 9068).
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    public const string Audience = "mcp-tests";
    public const string ClientId = "mcp-tests-client";
    /// <summary>The scope the server requires (its AUTH_SCOPE), in the platform's form <c>apigw-&lt;env&gt;/&lt;service&gt;</c>.</summary>
    public const string Scope = "apigw-test/mcp";

    public const string AccessTokenType = "at+jwt";

    private const string IssuerPath = "/issuer";

    private static readonly JsonWebTokenHandler Tokens = new();

    private readonly WebApplication _app;
    private readonly RsaSecurityKey _signingKey;
    private int _discoveryRequests;

    private TestIssuer(WebApplication app, RsaSecurityKey signingKey, string issuer)
    {
        _app = app;
        _signingKey = signingKey;
        Issuer = issuer;
    }

    /// <summary>The issuer URL, as tokens carry it in <c>iss</c> and as the server's AUTH_ISSUER.</summary>
    public string Issuer { get; }

    /// <summary>How often the discovery document was fetched: the server reads it lazily, on the first token.</summary>
    public int DiscoveryRequests => Volatile.Read(ref _discoveryRequests);

    /// <summary>The server's environment for this issuer.</summary>
    public IReadOnlyDictionary<string, string> ServerEnvironment => new Dictionary<string, string>
    {
        ["AUTH_ISSUER"] = Issuer,
        ["AUTH_AUDIENCE"] = Audience,
        ["AUTH_SCOPE"] = Scope,
    };

    public static async Task<TestIssuer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var signingKey = NewSigningKey();
        var issuer = default(TestIssuer);

        app.MapGet(IssuerPath + "/.well-known/openid-configuration", () =>
        {
            Interlocked.Increment(ref issuer!._discoveryRequests);
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = issuer.Issuer,
                ["jwks_uri"] = issuer.Issuer + "/jwks",
                ["token_endpoint"] = issuer.Issuer + "/token",
                ["grant_types_supported"] = new[] { "client_credentials" },
                ["id_token_signing_alg_values_supported"] = new[] { SecurityAlgorithms.RsaSha256 },
            });
        });
        app.MapGet(IssuerPath + "/jwks", () =>
        {
            var key = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(signingKey.Rsa.ExportParameters(includePrivateParameters: false)) { KeyId = signingKey.KeyId });
            return Results.Json(new { keys = new[] { new { kty = key.Kty, use = "sig", alg = SecurityAlgorithms.RsaSha256, kid = key.Kid, n = key.N, e = key.E } } });
        });

        await app.StartAsync();
        issuer = new TestIssuer(app, signingKey, app.Urls.Single().TrimEnd('/') + IssuerPath);
        return issuer;
    }

    /// <summary>A token as the issuer hands it out; each argument replaces one property to make it wrong in one way.</summary>
    /// <param name="scope">The <c>scope</c> claim (space-separated); null leaves it out.</param>
    /// <param name="type">The header's <c>typ</c>; <c>JWT</c> is what an ID token (or a Cognito access token) has.</param>
    /// <param name="tokenUse">Cognito's <c>token_use</c> claim (<c>access</c>, <c>id</c>); null leaves it out.</param>
    public string MintToken(
        string? audience = Audience,
        string? clientId = ClientId,
        string? issuer = null,
        DateTime? expires = null,
        SecurityKey? signingKey = null,
        string? scope = Scope,
        string type = AccessTokenType,
        string? tokenUse = null)
    {
        var expiresAt = expires ?? DateTime.UtcNow.AddHours(1);
        var claims = new Dictionary<string, object>();
        if (scope is not null)
        {
            claims["scope"] = scope;
        }

        if (tokenUse is not null)
        {
            claims["token_use"] = tokenUse;
        }

        if (clientId is not null)
        {
            claims["client_id"] = clientId;
        }

        return Tokens.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, clientId ?? "test-user")]),
            Claims = claims,
            IssuedAt = expiresAt.AddHours(-2),
            NotBefore = expiresAt.AddHours(-2),
            Expires = expiresAt,
            TokenType = type,
            SigningCredentials = new SigningCredentials(signingKey ?? _signingKey, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>What a Cognito client-credentials access token looks like: typ JWT, <c>token_use=access</c>, no <c>aud</c>, the app client in <c>client_id</c>.</summary>
    public string MintCognitoStyleToken() => MintToken(audience: null, clientId: Audience, type: "JWT", tokenUse: "access");

    /// <summary>What a Cognito ID token looks like to the server: typ JWT, <c>token_use=id</c>, and the audience (the client id) in <c>aud</c>.</summary>
    public string MintIdToken() => MintToken(type: "JWT", tokenUse: "id", scope: null);

    /// <summary>A token this issuer's published keys do not verify.</summary>
    public string MintTokenSignedByAnotherKey() => MintToken(signingKey: NewSigningKey());

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _signingKey.Rsa.Dispose();
    }

    private static RsaSecurityKey NewSigningKey() => new(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N")[..16] };
}
