using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// A client the local issuer knows: the environment's own (client credentials, from the credentials file), one that
/// registered itself (RFC 7591, kept in the issuer's state file), or one named by its Client ID Metadata Document URL.
/// A confidential client's secret is kept only as its SHA-256 (the secret is 256 random bits, so the hash cannot be reversed).
/// </summary>
public sealed record OAuthClient
{
    public required string ClientId { get; init; }

    public string? ClientName { get; init; }

    /// <summary>SHA-256 of the secret, hex; null for a public client (<c>token_endpoint_auth_method: none</c>).</summary>
    public string? SecretHash { get; init; }

    public IReadOnlyList<string> RedirectUris { get; init; } = [];

    public IReadOnlyList<string> GrantTypes { get; init; } = [];

    public string TokenEndpointAuthMethod { get; init; } = AuthMethods.None;

    public DateTimeOffset IssuedAt { get; init; }

    /// <summary>Whether the client id is the URL of its metadata document (CIMD), rather than one this issuer gave out.</summary>
    public bool IsMetadataDocument { get; init; }

    [JsonIgnore]
    public bool IsPublic => SecretHash is null;

    public bool Allows(string grantType) => GrantTypes.Contains(grantType);

    public bool HasSecret(string secret) =>
        SecretHash is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(HashSecret(secret)), Encoding.ASCII.GetBytes(SecretHash));

    public static string HashSecret(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>The registered redirect URI that <paramref name="requested"/> matches (<see cref="Auth.RedirectUris.Matches"/>), or null.</summary>
    public string? MatchRedirect(string requested) => RedirectUris.FirstOrDefault(registered => Auth.RedirectUris.Matches(registered, requested));
}

/// <summary>The token endpoint's client authentication methods (RFC 7591 §2).</summary>
public static class AuthMethods
{
    public const string None = "none";
    public const string ClientSecretBasic = "client_secret_basic";
    public const string ClientSecretPost = "client_secret_post";
    public static readonly string[] All = [None, ClientSecretBasic, ClientSecretPost];
}

/// <summary>The grant types of this issuer.</summary>
public static class GrantTypes
{
    public const string AuthorizationCode = "authorization_code";
    public const string RefreshToken = "refresh_token";
    public const string ClientCredentials = "client_credentials";
    public static readonly string[] All = [AuthorizationCode, RefreshToken, ClientCredentials];
}

/// <summary>
/// Redirect URI rules: exact string matching (OAuth 2.1 §2.3.1), except that a loopback redirect
/// (<c>http://127.0.0.1</c>, <c>http://localhost</c>, <c>http://[::1]</c>) matches on any port, because a native client
/// listens on whatever port is free when it asks (RFC 8252 §7.3).
/// </summary>
public static class RedirectUris
{
    public static bool Matches(string registered, string requested)
    {
        if (registered == requested)
            return true;
        if (!Uri.TryCreate(registered, UriKind.Absolute, out var a) || !Uri.TryCreate(requested, UriKind.Absolute, out var b)
            || !IsLoopbackRedirect(a) || !IsLoopbackRedirect(b))
            return false;
        // Everything but the port, compared as written: scheme, host, path and query.
        return a.Scheme == b.Scheme && a.Host == b.Host && a.PathAndQuery == b.PathAndQuery && a.UserInfo == b.UserInfo;
    }

    /// <summary>An <c>http</c> redirect to this machine's loopback interface by IP literal or <c>localhost</c>.</summary>
    public static bool IsLoopbackRedirect(Uri uri) => uri.Scheme == Uri.UriSchemeHttp && IsLoopbackHost(uri);

    public static bool IsLoopbackHost(Uri uri) => uri.Host is "127.0.0.1" or "localhost" or "[::1]";

    /// <summary>
    /// Why a redirect URI cannot be registered, or null when it can: absolute, no fragment (RFC 6749 §3.1.2), and https, a
    /// loopback http URL, or a private-use scheme in reverse-domain form (RFC 8252 §7.1, e.g. <c>com.example.app:/callback</c>).
    /// </summary>
    public static string? ProblemWith(string redirectUri)
    {
        if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri))
            return $"redirect URI '{redirectUri}' is not an absolute URL";
        if (redirectUri.Contains('#'))
            return $"redirect URI '{redirectUri}' has a fragment, which a redirect URI may not have (RFC 6749 §3.1.2)";
        if (uri.Scheme == Uri.UriSchemeHttps || IsLoopbackRedirect(uri) || (uri.Scheme.Contains('.') && uri.Scheme != Uri.UriSchemeHttp))
            return null;
        return $"redirect URI '{redirectUri}' must be https, http on a loopback address (127.0.0.1, localhost, [::1]), or a reverse-domain private-use scheme";
    }
}
