using Pipeline.Manifests;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// The local issuer's HTTP face under <c>/_auth</c> (always public), a development OAuth 2.1 authorization server:
/// discovery (OpenID Connect, and RFC 8414 in both of its URL forms) with every field the MCP SDKs read, the JWKS, the
/// authorization endpoint with its consent page (<see cref="AuthorizeEndpoint"/>), the token endpoint
/// (<see cref="TokenEndpoint"/>: client credentials, authorization code with PKCE, refresh tokens) and Dynamic Client
/// Registration (<see cref="RegistrationEndpoint"/>); clients may also be named by a Client ID Metadata Document URL.
/// There are no user accounts: the developer at the keyboard is the only user, and the consent page is their sign-in.
/// </summary>
public static class LocalIssuerEndpoints
{
    public const string JwksPath = LocalIssuerCredentials.IssuerPath + "/jwks";
    public const string TokenPath = LocalIssuerCredentials.IssuerPath + "/token";
    public const string AuthorizePath = LocalIssuerCredentials.IssuerPath + "/authorize";
    public const string RegistrationPath = LocalIssuerCredentials.IssuerPath + "/register";

    /// <summary>Where discovery documents are served: OIDC's (issuer + suffix), RFC 8414's path-insertion form, and the suffix forms clients also try.</summary>
    public static readonly string[] DiscoveryPaths =
    [
        LocalIssuerCredentials.IssuerPath + "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server" + LocalIssuerCredentials.IssuerPath,
        LocalIssuerCredentials.IssuerPath + "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration" + LocalIssuerCredentials.IssuerPath,
    ];

    public static void Map(WebApplication app, LocalAuthorizationServer server)
    {
        foreach (var path in DiscoveryPaths)
            app.MapGet(path, () => Results.Json(Discovery(server)));
        app.MapGet(JwksPath, () => Results.Json(new { keys = new[] { server.Issuer.PublicJwk() } }));
        // Typed as route handlers, not RequestDelegates, so the returned result is written.
        app.MapPost(TokenPath, (Func<HttpContext, Task<IResult>>)(context => TokenEndpoint.IssueAsync(context, server)));
        app.MapGet(AuthorizePath, (Func<HttpContext, Task<IResult>>)(context => AuthorizeEndpoint.ShowAsync(context, server)));
        app.MapPost(AuthorizePath, (Func<HttpContext, Task<IResult>>)(context => AuthorizeEndpoint.DecideAsync(context, server)));
        app.MapPost(RegistrationPath, (Func<HttpContext, Task<IResult>>)(context => RegistrationEndpoint.RegisterAsync(context, server)));
    }

    /// <summary>RFC 8414 and OpenID Connect Discovery in one document (the SDKs validate either schema against it).</summary>
    public static Dictionary<string, object> Discovery(LocalAuthorizationServer server)
    {
        var origin = server.Origin;
        return new Dictionary<string, object>
        {
            ["issuer"] = server.Issuer.Issuer,
            ["authorization_endpoint"] = origin + AuthorizePath,
            ["token_endpoint"] = origin + TokenPath,
            ["registration_endpoint"] = origin + RegistrationPath,
            ["jwks_uri"] = origin + JwksPath,
            ["scopes_supported"] = server.Resources.AllScopes,
            ["response_types_supported"] = new[] { "code" },
            ["response_modes_supported"] = new[] { "query" },
            ["grant_types_supported"] = GrantTypes.All,
            ["token_endpoint_auth_methods_supported"] = AuthMethods.All,
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["client_id_metadata_document_supported"] = true,
            // RFC 9207: the redirect carries iss, so a client talking to several issuers can tell which one answered.
            ["authorization_response_iss_parameter_supported"] = true,
            // OpenID Connect Discovery requires these two; this issuer issues access tokens only, never ID tokens.
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        };
    }
}
