using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// The short-lived half of the authorization code flow, in memory: requests waiting on the consent page (keyed by the
/// page's one-time form token) and issued codes (single use, <see cref="CodeLifetime"/>, bound to the client, redirect
/// URI, PKCE challenge, scope and resource). A gateway replacement loses them; a client then simply signs in again.
/// </summary>
public sealed class AuthorizationCodes(TimeProvider clock)
{
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromSeconds(60);

    /// <summary>How long the consent page may stay open before its form is refused.</summary>
    public static readonly TimeSpan ConsentLifetime = TimeSpan.FromMinutes(10);

    readonly ConcurrentDictionary<string, PendingAuthorization> pending = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, IssuedCode> codes = new(StringComparer.Ordinal);

    /// <summary>Keeps a request for the consent page; the returned form token is the only way to decide it, once.</summary>
    public string AwaitConsent(AuthorizationRequest request)
    {
        Prune();
        var formToken = IssuerStore.Base64Url(RandomNumberGenerator.GetBytes(32));
        pending[formToken] = new PendingAuthorization(request, clock.GetUtcNow() + ConsentLifetime);
        return formToken;
    }

    /// <summary>The request the form token was given for, removed (one decision per page); null when unknown, used or expired.</summary>
    public AuthorizationRequest? TakePending(string formToken) =>
        pending.TryRemove(formToken, out var entry) && entry.ExpiresAt > clock.GetUtcNow() ? entry.Request : null;

    public string IssueCode(AuthorizationRequest request)
    {
        Prune();
        var code = IssuerStore.Base64Url(RandomNumberGenerator.GetBytes(32));
        codes[code] = new IssuedCode(request, clock.GetUtcNow() + CodeLifetime, Guid.NewGuid().ToString("N"));
        return code;
    }

    /// <summary>
    /// Redeems a code once. A second redemption fails and names the refresh-token family of the first, so the caller can
    /// revoke what the code gave (RFC 6749 §4.1.2: a reused code may have been stolen).
    /// </summary>
    public CodeRedemption Redeem(string code)
    {
        if (!codes.TryGetValue(code, out var issued) || issued.ExpiresAt <= clock.GetUtcNow())
            return new CodeRedemption(null, null, "The authorization code is unknown or expired (codes live 60 s); start the authorization again.");
        if (!codes.TryUpdate(code, issued with { Used = true }, issued) || issued.Used)
            return new CodeRedemption(null, issued.Family, "The authorization code was used already; what it gave is revoked. Start the authorization again.");
        return new CodeRedemption(issued.Request, issued.Family, null);
    }

    void Prune()
    {
        var now = clock.GetUtcNow();
        foreach (var (token, entry) in pending)
            if (entry.ExpiresAt <= now)
                pending.TryRemove(token, out _);
        foreach (var (code, entry) in codes)
            if (entry.ExpiresAt <= now)
                codes.TryRemove(code, out _);
    }

    sealed record PendingAuthorization(AuthorizationRequest Request, DateTimeOffset ExpiresAt);

    sealed record IssuedCode(AuthorizationRequest Request, DateTimeOffset ExpiresAt, string Family, bool Used = false);

    /// <summary>S256 (RFC 7636 §4.6): BASE64URL(SHA256(ASCII(verifier))) equals the challenge.</summary>
    public static bool VerifierMatches(string verifier, string challenge) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(IssuerStore.Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)))),
            Encoding.ASCII.GetBytes(challenge));
}

/// <summary>An authorization request that passed every check: what the client asked for and what it will get.</summary>
public sealed record AuthorizationRequest(
    OAuthClient Client, string RedirectUri, string? State, string CodeChallenge, ScopeDecision Scope, string? Resource);

/// <summary>The request behind a code, the refresh-token family its grant starts, or why it cannot be redeemed.</summary>
public sealed record CodeRedemption(AuthorizationRequest? Request, string? Family, string? Problem);
