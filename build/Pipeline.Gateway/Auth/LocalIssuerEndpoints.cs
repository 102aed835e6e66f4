using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Primitives;
using Pipeline.Manifests;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// The local issuer's HTTP face under <c>/_auth</c> (always public): discovery (OpenID Connect, and RFC 8414 in both of
/// its URL forms), the JWKS, and a token endpoint for the client-credentials grant (RFC 6749 §4.4) with client
/// authentication by HTTP Basic or by form fields. Errors are RFC 6749 §5.2's JSON. Nothing else of OAuth is here: no
/// users, no authorization code, no refresh tokens, no consent; the pipeline's one client is all a local platform needs.
/// </summary>
public static class LocalIssuerEndpoints
{
    public const string JwksPath = LocalIssuerCredentials.IssuerPath + "/jwks";
    public const string TokenPath = LocalIssuerCredentials.IssuerPath + "/token";
    const string ClientCredentialsGrant = "client_credentials";

    /// <summary>Where discovery documents are served: OIDC's (issuer + suffix), RFC 8414's path-insertion form, and the suffix forms clients also try.</summary>
    public static readonly string[] DiscoveryPaths =
    [
        LocalIssuerCredentials.IssuerPath + "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server" + LocalIssuerCredentials.IssuerPath,
        LocalIssuerCredentials.IssuerPath + "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration" + LocalIssuerCredentials.IssuerPath,
    ];

    public static void Map(WebApplication app, LocalIssuer issuer)
    {
        foreach (var path in DiscoveryPaths)
            app.MapGet(path, () => Results.Json(Discovery(issuer)));
        app.MapGet(JwksPath, () => Results.Json(new { keys = new[] { issuer.PublicJwk() } }));
        // Typed as a route handler, not a RequestDelegate, so the returned result is written.
        app.MapPost(TokenPath, (Func<HttpContext, Task<IResult>>)(context => IssueAsync(context, issuer)));
    }

    static object Discovery(LocalIssuer issuer)
    {
        var origin = issuer.Issuer[..^LocalIssuerCredentials.IssuerPath.Length];
        return new Dictionary<string, object>
        {
            ["issuer"] = issuer.Issuer,
            ["jwks_uri"] = origin + JwksPath,
            ["token_endpoint"] = origin + TokenPath,
            ["grant_types_supported"] = new[] { ClientCredentialsGrant },
            ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_basic", "client_secret_post" },
            // OpenID Connect Discovery requires these three; this issuer issues access tokens only, never ID tokens.
            ["response_types_supported"] = new[] { "token" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["scopes_supported"] = issuer.DefaultScope.Split(' '),
        };
    }

    static async Task<IResult> IssueAsync(HttpContext context, LocalIssuer issuer)
    {
        // Token responses must never be cached (RFC 6749 §5.1), errors included.
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        if (!context.Request.HasFormContentType)
            return Error("invalid_request", "The token request must be a form (Content-Type: application/x-www-form-urlencoded).");
        var form = await context.Request.ReadFormAsync(context.RequestAborted);

        var basic = ParseBasic(context.Request.Headers.Authorization);
        var postedId = Single(form, "client_id");
        var postedSecret = Single(form, "client_secret");
        if (basic is { Problem: { } basicProblem })
            return Error("invalid_client", basicProblem, StatusCodes.Status401Unauthorized, challengeBasic: true, context);
        if (basic is not null && postedSecret is not null)
            return Error("invalid_request", "Authenticate the client one way only: HTTP Basic or client_secret in the form, not both.");
        var (clientId, clientSecret) = basic is { } b ? (b.Id, b.Secret) : (postedId, postedSecret);
        if (clientId is null || clientSecret is null)
            return Error("invalid_client", "No client authentication: send HTTP Basic (client_secret_basic) or client_id and client_secret in the form (client_secret_post).",
                StatusCodes.Status401Unauthorized, challengeBasic: true, context);
        if (basic is not null && postedId is not null && postedId != clientId)
            return Error("invalid_request", "client_id in the form differs from the client of the Authorization header.");
        if (!issuer.IsClient(clientId, clientSecret))
            return Error("invalid_client", "Unknown client or wrong secret. ./build.sh Token uses the environment's client; its credentials are in artifacts/<environment>/local-issuer.json.",
                StatusCodes.Status401Unauthorized, challengeBasic: basic is not null, context);

        var grant = Single(form, "grant_type");
        if (grant is null)
            return Error("invalid_request", "grant_type is missing; this issuer supports grant_type=client_credentials.");
        if (grant != ClientCredentialsGrant)
            return Error("unsupported_grant_type", $"grant_type '{grant}' is not supported; this issuer supports client_credentials only.");
        var scope = Single(form, "scope") is { Length: > 0 } requested ? requested : issuer.DefaultScope;
        if (!IsScope(scope))
            return Error("invalid_scope", "scope must be space-separated scope tokens (RFC 6749 §3.3).");

        return Results.Json(new
        {
            access_token = issuer.IssueToken(clientId, scope),
            token_type = "Bearer",
            expires_in = (int)LocalIssuer.TokenLifetime.TotalSeconds,
            scope,
        });
    }

    /// <summary>The client of an HTTP Basic header (id and secret form-url-encoded first, RFC 6749 §2.3.1); null without one.</summary>
    static BasicClient? ParseBasic(StringValues header)
    {
        if (!AuthenticationHeaderValue.TryParse(header.ToString(), out var value) || !string.Equals(value.Scheme, "Basic", StringComparison.OrdinalIgnoreCase))
            return null;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value.Parameter ?? ""));
            var colon = decoded.IndexOf(':');
            return colon < 0
                ? new BasicClient("", "", "The Basic credentials must be base64 of <client_id>:<client_secret>.")
                : new BasicClient(Uri.UnescapeDataString(decoded[..colon].Replace('+', ' ')), Uri.UnescapeDataString(decoded[(colon + 1)..].Replace('+', ' ')), null);
        }
        catch (FormatException)
        {
            return new BasicClient("", "", "The Basic credentials are not base64.");
        }
    }

    sealed record BasicClient(string Id, string Secret, string? Problem);

    static string? Single(IFormCollection form, string name) => form.TryGetValue(name, out var values) && values.Count == 1 ? values[0] : null;

    // scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), separated by single spaces.
    static bool IsScope(string scope) =>
        scope.Split(' ').All(token => token.Length > 0 && token.All(c => c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)));

    static IResult Error(string error, string description, int status = StatusCodes.Status400BadRequest, bool challengeBasic = false, HttpContext? context = null)
    {
        if (challengeBasic && context is not null)
            context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{LocalIssuerCredentials.IssuerPath}\"";
        return Results.Json(new { error, error_description = description }, statusCode: status);
    }
}
