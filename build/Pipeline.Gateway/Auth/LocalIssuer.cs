using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Pipeline.Manifests;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// The local platform's token issuer: it signs access tokens (RS256 JWTs) and checks tokens presented to the gateway. The
/// OAuth flows around it (clients, codes, refresh tokens) are <see cref="LocalIssuerEndpoints"/>'s. Signing, encoding and
/// validation are Microsoft.IdentityModel's (JsonWebTokenHandler, JsonWebKeyConverter); this class only holds the key, the
/// issuer URL and the audience, and says what a rejection means.
/// Its key comes from the environment's credentials file, so every gateway of the environment (a replacement too) signs
/// and accepts the same tokens.
/// </summary>
public sealed class LocalIssuer : IDisposable
{
    /// <summary>How long an access token is valid; Cognito's default for access tokens too.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

    /// <summary>Clock difference tolerated on exp and nbf: small, the issuer and the gateway share one clock here.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>The <c>typ</c> header of an access token (RFC 9068 §2.1); <c>application/at+jwt</c> means the same.</summary>
    public const string AccessTokenType = "at+jwt";

    readonly RSA rsa;
    readonly RsaSecurityKey signingKey;
    readonly RsaSecurityKey verificationKey;
    readonly Lazy<string> issuer;
    readonly JsonWebTokenHandler handler = new();

    /// <param name="gatewayBaseUrl">The gateway's own address (<c>http://127.0.0.1:&lt;port&gt;</c>), asked once, at the first request: the port is known only once the gateway listens.</param>
    public LocalIssuer(LocalIssuerCredentials credentials, Func<Uri> gatewayBaseUrl)
    {
        Credentials = credentials;
        rsa = credentials.CreateSigningKey();
        // A factory (and so a provider cache) of this issuer's own: the shared default caches providers by key id, and would
        // hand a later issuer with the same key (a gateway restarted in the same process, in tests) this one's disposed RSA.
        var cryptography = new CryptoProviderFactory();
        signingKey = new RsaSecurityKey(rsa) { KeyId = credentials.KeyId, CryptoProviderFactory = cryptography };
        verificationKey = new RsaSecurityKey(rsa.ExportParameters(includePrivateParameters: false))
        {
            KeyId = credentials.KeyId,
            CryptoProviderFactory = cryptography,
        };
        issuer = new Lazy<string>(() => gatewayBaseUrl().GetLeftPart(UriPartial.Authority) + LocalIssuerCredentials.IssuerPath);
    }

    public LocalIssuerCredentials Credentials { get; }

    /// <summary>The <c>iss</c> of every token, e.g. <c>http://127.0.0.1:8080/_auth</c>; the services get it as <c>AUTH_ISSUER</c>.</summary>
    public string Issuer => issuer.Value;

    public string Audience => Credentials.Audience;

    /// <summary>The environment the issuer serves (<c>local</c> for audience <c>apigw-local</c>); its scopes are <c>apigw-&lt;env&gt;/&lt;service&gt;</c>.</summary>
    public string Environment => LocalIssuerCredentials.EnvironmentOf(Audience);

    /// <summary>
    /// A signed access token (RFC 9068: header <c>typ: at+jwt</c>; claims iss, aud, sub, client_id, scope, iat, nbf, exp, jti)
    /// for <paramref name="clientId"/>. A token asked for one resource (RFC 8707) carries that resource's URL in <c>aud</c>
    /// beside the API audience, which the gateway and the services check.
    /// </summary>
    public string IssueToken(string clientId, string scope, string? resource = null)
    {
        var now = DateTime.UtcNow;
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + TokenLifetime,
            TokenType = AccessTokenType,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Aud] = resource is null ? Audience : (object)new[] { Audience, resource },
                [JwtRegisteredClaimNames.Sub] = clientId,
                ["client_id"] = clientId,
                ["scope"] = scope,
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
            SigningCredentials = new SigningCredentials(signingKey, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>The public key as the JWKS publishes it (RFC 7517): kty, use, alg, kid, n, e.</summary>
    public object PublicJwk()
    {
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(verificationKey);
        return new { kty = jwk.Kty, use = "sig", alg = SecurityAlgorithms.RsaSha256, kid = jwk.Kid, n = jwk.N, e = jwk.E };
    }

    /// <summary>
    /// Checks signature (this issuer's key, RS256 only), issuer, audience, lifetime, that it is an access token
    /// (<see cref="AccessTokenRule"/>) and, when <paramref name="requiredScope"/> is given, that its <c>scope</c> names it;
    /// null when the token is good, otherwise why not.
    /// </summary>
    public async Task<TokenRejection?> RejectionOfAsync(string token, string? requiredScope = null)
    {
        var result = await handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = verificationKey,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = ClockSkew,
        });
        if (!result.IsValid)
            return TokenRejection.Invalid(ReasonFor(result.Exception));
        var accepted = (JsonWebToken)result.SecurityToken;
        if (AccessTokenRule.Refusal(accepted) is { } notAnAccessToken)
            return TokenRejection.Invalid(notAnAccessToken);
        if (requiredScope is not null && !Scopes(accepted).Contains(requiredScope, StringComparer.Ordinal))
            return TokenRejection.Insufficient(requiredScope, $"the token lacks scope {requiredScope}");
        return null;
    }

    /// <summary>The token's <c>scope</c> claim (RFC 9068 §2.2.3: space-separated), empty without one.</summary>
    static IEnumerable<string> Scopes(JsonWebToken token) =>
        token.TryGetPayloadValue<string>("scope", out var scope) && scope is not null
            ? scope.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : [];

    /// <summary>
    /// A rejection in words a caller can act on. Only the kind of failure: IdentityModel's messages may quote the token's
    /// content, and a rejection never echoes the token.
    /// </summary>
    string ReasonFor(Exception? failure) => failure switch
    {
        SecurityTokenExpiredException => "token expired",
        SecurityTokenNotYetValidException => "token not yet valid",
        SecurityTokenNoExpirationException => "token has no expiry",
        SecurityTokenInvalidAudienceException => $"wrong audience (expected {Audience})",
        SecurityTokenInvalidIssuerException => $"wrong issuer (expected {Issuer})",
        SecurityTokenInvalidAlgorithmException => "invalid signature (only RS256 is accepted)",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "invalid signature",
        SecurityTokenMalformedException or ArgumentException => "malformed token",
        _ => "invalid token",
    };

    public void Dispose() => rsa.Dispose();
}

/// <summary>
/// Why the gateway refused a token: <see cref="InvalidToken"/> answers 401, <see cref="InsufficientScope"/> 403 with the
/// scope it needs (RFC 6750 §3.1).
/// </summary>
public sealed record TokenRejection(string Error, string Reason, string? RequiredScope = null)
{
    public const string InvalidToken = "invalid_token";
    public const string InsufficientScope = "insufficient_scope";

    public static TokenRejection Invalid(string reason) => new(InvalidToken, reason);

    public static TokenRejection Insufficient(string scope, string reason) => new(InsufficientScope, reason, scope);
}

/// <summary>
/// Access tokens only (RFC 9068; Cognito's <c>token_use</c>): a token whose <c>token_use</c> is anything but <c>access</c> is
/// refused (a Cognito ID token says <c>id</c>), and so is one whose header <c>typ</c> is present and is neither <c>at+jwt</c>
/// nor <c>application/at+jwt</c>, unless it says <c>token_use=access</c> (Cognito's access tokens are <c>typ: JWT</c>). A token
/// with neither (many external issuers) is accepted: nothing in it tells an access token from another.
/// </summary>
public static class AccessTokenRule
{
    public const string TokenUseClaim = "token_use";

    /// <summary>Null for an access token, otherwise the reason it is refused.</summary>
    public static string? Refusal(JsonWebToken token)
    {
        var tokenUse = token.TryGetPayloadValue<string>(TokenUseClaim, out var use) ? use : null;
        if (tokenUse is not null)
            return tokenUse == "access" ? null : $"not an access token (token_use={tokenUse}); send an access token";
        var type = token.Typ;
        return string.IsNullOrEmpty(type)
            || string.Equals(type, LocalIssuer.AccessTokenType, StringComparison.OrdinalIgnoreCase)
            || string.Equals(type, "application/" + LocalIssuer.AccessTokenType, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"not an access token (typ {type}, expected {LocalIssuer.AccessTokenType}); send an access token";
    }
}
