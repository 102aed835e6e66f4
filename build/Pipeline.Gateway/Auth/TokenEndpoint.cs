using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Primitives;
using Pipeline.Manifests;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// The token endpoint at <c>/_auth/token</c> (RFC 6749 §3.2): the client-credentials grant (§4.4), the authorization code
/// grant with PKCE (§4.1, RFC 7636) and refresh tokens with rotation (§6; OAuth 2.1 §4.3.1). Confidential clients
/// authenticate by HTTP Basic or form fields; public clients send their <c>client_id</c> and no secret. A <c>resource</c>
/// (RFC 8707) binds the token to one of the gateway's services. Errors are RFC 6749 §5.2's JSON.
/// </summary>
public static partial class TokenEndpoint
{
    public static async Task<IResult> IssueAsync(HttpContext context, LocalAuthorizationServer server)
    {
        // Token responses must never be cached (RFC 6749 §5.1), errors included.
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        if (!context.Request.HasFormContentType)
            return Error("invalid_request", "The token request must be a form (Content-Type: application/x-www-form-urlencoded).");
        var form = await context.Request.ReadFormAsync(context.RequestAborted);

        var (client, failure) = await AuthenticateAsync(context, form, server);
        if (client is null)
            return failure!;

        var grant = Single(form, "grant_type");
        if (grant is null)
            return Error("invalid_request", "grant_type is missing; this issuer supports grant_type=authorization_code, refresh_token and client_credentials.");
        if (!GrantTypes.All.Contains(grant))
            return Error("unsupported_grant_type", $"grant_type '{grant}' is not supported; this issuer supports authorization_code, refresh_token and client_credentials.");
        if (!client.Allows(grant))
            return Error("unauthorized_client", $"Client '{client.ClientId}' may not use the {grant} grant (its grant types: {string.Join(", ", client.GrantTypes)}).");
        if (form.TryGetValue("resource", out var resources) && resources.Count > 1)
            return Error("invalid_target", "Ask for one resource per token request.");
        var resource = Single(form, "resource");

        return grant switch
        {
            GrantTypes.ClientCredentials => ClientCredentials(server, client, Single(form, "scope"), resource),
            GrantTypes.AuthorizationCode => AuthorizationCode(server, client, form, resource),
            _ => Refresh(server, client, form, resource),
        };
    }

    static IResult ClientCredentials(LocalAuthorizationServer server, OAuthClient client, string? requestedScope, string? resource)
    {
        var service = resource is null ? null : server.Resources.ServiceAt(resource);
        if (resource is not null && service is null)
            return InvalidTarget(server, resource);
        if (requestedScope is not null && !IsScopeSyntax(requestedScope))
            return Error("invalid_scope", "scope must be space-separated scope tokens (RFC 6749 §3.3).");
        var scope = server.Resources.Decide(requestedScope, service);
        return scope.Problem is not null
            ? Error("invalid_scope", scope.Problem)
            : Tokens(server, client, scope.Scope, resource, refreshToken: null);
    }

    static IResult AuthorizationCode(LocalAuthorizationServer server, OAuthClient client, IFormCollection form, string? resource)
    {
        var code = Single(form, "code");
        if (code is null)
            return Error("invalid_request", "code is missing: send the authorization code the redirect carried.");
        var redemption = server.Codes.Redeem(code);
        if (redemption.Request is not { } request)
        {
            if (redemption.Family is { } family)
                server.Store.RevokeFamily(family);
            return Error("invalid_grant", redemption.Problem!);
        }
        if (request.Client.ClientId != client.ClientId)
            return Error("invalid_grant", "The authorization code was issued to another client.");
        if (Single(form, "redirect_uri") != request.RedirectUri)
            return Error("invalid_grant", "redirect_uri must be the one of the authorization request, exactly.");
        var verifier = Single(form, "code_verifier");
        if (verifier is null || !VerifierFormat().IsMatch(verifier))
            return Error("invalid_request", "code_verifier is missing or not 43-128 unreserved characters (RFC 7636 §4.1); PKCE is required.");
        if (!AuthorizationCodes.VerifierMatches(verifier, request.CodeChallenge))
            return Error("invalid_grant", "code_verifier does not match the code_challenge of the authorization request (S256).");
        if (resource is not null && resource != request.Resource)
            return Error("invalid_target", $"resource '{resource}' is not the resource the authorization was for ({request.Resource ?? "none"}).");

        var refreshToken = client.Allows(GrantTypes.RefreshToken)
            ? server.Store.IssueRefreshToken(client.ClientId, request.Scope.Scope, request.Resource, redemption.Family)
            : null;
        return Tokens(server, client, request.Scope.Scope, request.Resource, refreshToken);
    }

    static IResult Refresh(LocalAuthorizationServer server, OAuthClient client, IFormCollection form, string? resource)
    {
        var presented = Single(form, "refresh_token");
        if (presented is null)
            return Error("invalid_request", "refresh_token is missing.");
        var outcome = server.Store.Redeem(presented, client.ClientId);
        if (outcome.Record is not { } record)
            return Error("invalid_grant", outcome.Problem!);
        var granted = record.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var scope = record.Scope;
        if (Single(form, "scope") is { Length: > 0 } narrower)
        {
            var asked = narrower.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (asked.Any(s => !granted.Contains(s)))
                return Error("invalid_scope", $"A refresh may only narrow the scope of the grant ({record.Scope}).");
            scope = string.Join(" ", asked.Distinct());
        }
        if (resource is not null && resource != record.Resource)
            return Error("invalid_target", $"resource '{resource}' is not the resource the grant was for ({record.Resource ?? "none"}).");
        var rotated = server.Store.IssueRefreshToken(client.ClientId, record.Scope, record.Resource, record.Family);
        return Tokens(server, client, scope, record.Resource, rotated);
    }

    static IResult Tokens(LocalAuthorizationServer server, OAuthClient client, string scope, string? resource, string? refreshToken)
    {
        var answer = new Dictionary<string, object>
        {
            ["access_token"] = server.Issuer.IssueToken(client.ClientId, scope, resource),
            ["token_type"] = "Bearer",
            ["expires_in"] = (int)LocalIssuer.TokenLifetime.TotalSeconds,
            ["scope"] = scope,
        };
        if (refreshToken is not null)
            answer["refresh_token"] = refreshToken;
        return Results.Json(answer);
    }

    static IResult InvalidTarget(LocalAuthorizationServer server, string resource) =>
        Error("invalid_target", $"resource '{resource}' is not one of this gateway's protected resources ({server.Resources.DescribeResources()}, or a URL under one).");

    /// <summary>The client making the request, authenticated as it registered; or the RFC 6749 §5.2 error.</summary>
    static async Task<(OAuthClient? Client, IResult? Failure)> AuthenticateAsync(HttpContext context, IFormCollection form, LocalAuthorizationServer server)
    {
        var basic = ParseBasic(context.Request.Headers.Authorization);
        var postedId = Single(form, "client_id");
        var postedSecret = Single(form, "client_secret");
        if (basic is { Problem: { } basicProblem })
            return (null, Error("invalid_client", basicProblem, StatusCodes.Status401Unauthorized, challengeBasic: true, context));
        if (basic is not null && postedSecret is not null)
            return (null, Error("invalid_request", "Authenticate the client one way only: HTTP Basic or client_secret in the form, not both."));
        var (clientId, secret) = basic is { } b ? (b.Id, b.Secret) : (postedId, postedSecret);
        if (clientId is null)
            return (null, Error("invalid_client", "No client: send HTTP Basic (client_secret_basic), client_id and client_secret in the form (client_secret_post), or a public client's client_id.",
                StatusCodes.Status401Unauthorized, challengeBasic: true, context));
        if (basic is not null && postedId is not null && postedId != clientId)
            return (null, Error("invalid_request", "client_id in the form differs from the client of the Authorization header."));

        var (client, _) = await server.FindClientAsync(clientId, context.RequestAborted);
        if (client is not null && client.IsPublic)
        {
            if (string.IsNullOrEmpty(secret))
                return (client, null);
            return (null, Error("invalid_client", $"Client '{clientId}' is a public client (token_endpoint_auth_method none): send its client_id and no secret.",
                StatusCodes.Status401Unauthorized, challengeBasic: basic is not null, context));
        }
        if (client is null || secret is null || !client.HasSecret(secret))
            return (null, Error("invalid_client",
                "Unknown client or wrong secret. ./build.sh Token uses the environment's client; its credentials are in artifacts/<environment>/" +
                $"{LocalIssuerCredentials.FileName}. A registered client authenticates as it registered.",
                StatusCodes.Status401Unauthorized, challengeBasic: basic is not null || secret is null, context));
        return (client, null);
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
    static bool IsScopeSyntax(string scope) =>
        scope.Length == 0 || scope.Split(' ').All(token => token.Length > 0 && token.All(c => c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)));

    [GeneratedRegex("^[A-Za-z0-9._~-]{43,128}$")]
    private static partial Regex VerifierFormat();

    static IResult Error(string error, string description, int status = StatusCodes.Status400BadRequest, bool challengeBasic = false, HttpContext? context = null)
    {
        if (challengeBasic && context is not null)
            context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{LocalIssuerCredentials.IssuerPath}\"";
        return Results.Json(new { error, error_description = description }, statusCode: status);
    }
}
