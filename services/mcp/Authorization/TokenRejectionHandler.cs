using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol.AspNetCore.Authentication;

namespace Mcp.Server.Authorization;

/// <summary>
/// Answers a request the MCP endpoint's policy turned away: the MCP challenge (<see cref="McpBearerChallengeHandler"/>:
/// 401 with <c>WWW-Authenticate: Bearer error="invalid_token", scope="...", error_description="...", resource_metadata="..."</c>,
/// without <c>error</c> when no token was sent, RFC 6750 §3.1) plus a JSON body that says what was wrong with the token.
/// A valid token without the endpoint's scope gets 403 with <c>error="insufficient_scope"</c> and the scope, the MCP
/// authorization spec's step-up. When the issuer's keys cannot be read, nothing is wrong with the caller's token, so the
/// answer is 503 instead.
/// </summary>
public sealed partial class TokenRejectionHandler(
    ProtectedResource resource,
    TokenRequirement requirement,
    IOptionsMonitor<JwtBearerOptions> bearerOptions,
    ILogger<TokenRejectionHandler> logger) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && context.User.Identity?.IsAuthenticated == true)
        {
            var forbidden = TokenRejection.InsufficientScope(requirement);
            await context.ForbidAsync(McpAuthenticationDefaults.AuthenticationScheme, Challenge(forbidden));
            await WriteAsync(context, forbidden);
            return;
        }

        if (!authorizeResult.Challenged)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        // The bearer handler authenticates once per request; asking again returns that result with its failure.
        var authentication = await context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        var issuerKeysUnreadable = TokenRejection.FirstOf(authentication.Failure) is SecurityTokenSignatureKeyNotFoundException
            && await IssuerKeysUnreadableAsync(context.RequestAborted);
        var rejection = TokenRejection.For(authentication.Failure, requirement, issuerKeysUnreadable);
        if (rejection.Status == StatusCodes.Status401Unauthorized)
        {
            await context.ChallengeAsync(McpAuthenticationDefaults.AuthenticationScheme, Challenge(rejection));
        }

        await WriteAsync(context, rejection);
    }

    /// <summary>The challenge's RFC 6750 parameters: the scope always (the MCP spec asks for it), an error code only for a token that was sent.</summary>
    private AuthenticationProperties Challenge(TokenRejection rejection)
    {
        var properties = new AuthenticationProperties();
        properties.Items[McpBearerChallengeHandler.ScopeItem] = requirement.Scope;
        if (rejection.ChallengeError is { } error)
        {
            properties.Items[McpBearerChallengeHandler.ErrorItem] = error;
            properties.Items[McpBearerChallengeHandler.DescriptionItem] = rejection.Message;
        }

        return properties;
    }

    private Task WriteAsync(HttpContext context, TokenRejection rejection)
    {
        context.Response.StatusCode = rejection.Status;
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(new
        {
            error = rejection.Error,
            message = rejection.Message,
            resource_metadata = resource.MetadataUrlFor(context.Request),
        });
    }

    /// <summary>
    /// The token handler treats an unreadable discovery document as "no keys" and reports only that no key matched, so
    /// ask the configuration manager: it answers from its cache while the issuer is fine, and tries again when it is not.
    /// </summary>
    private async Task<bool> IssuerKeysUnreadableAsync(CancellationToken cancellationToken)
    {
        var configurationManager = bearerOptions.Get(JwtBearerDefaults.AuthenticationScheme).ConfigurationManager;
        if (configurationManager is null)
        {
            return false;
        }

        try
        {
            var configuration = await configurationManager.GetConfigurationAsync(cancellationToken);
            return configuration.SigningKeys.Count == 0;
        }
        catch (InvalidOperationException exception)
        {
            LogIssuerUnavailable(logger, requirement.DiscoveryUrl, exception.InnerException?.Message ?? exception.Message);
            return true;
        }
    }

    [LoggerMessage(
        EventId = 2,
        EventName = "IssuerUnavailable",
        Level = LogLevel.Warning,
        Message = "A bearer token could not be checked because {DiscoveryUrl} or its signing keys could not be read: {Reason}")]
    private static partial void LogIssuerUnavailable(ILogger logger, string discoveryUrl, string? reason);
}

/// <summary>
/// Why a request to the MCP endpoint was turned away, as the JSON body says it: which problem, and what to do.
/// Built from the bearer handler's failure; never quotes the token.
/// </summary>
public sealed record TokenRejection(int Status, string Error, string Message)
{
    /// <summary>The RFC 6750 error code of the challenge: none without a token (§3.1), <c>insufficient_scope</c> for a 403, else <c>invalid_token</c>.</summary>
    public string? ChallengeError => Error switch
    {
        "missing_token" => null,
        "insufficient_scope" => "insufficient_scope",
        _ => "invalid_token",
    };

    public static TokenRejection InsufficientScope(TokenRequirement requirement) =>
        new(StatusCodes.Status403Forbidden, "insufficient_scope",
            $"The token does not grant scope {requirement.Scope}, which this endpoint needs. Ask {requirement.IssuerText} for a token with that scope.");

    /// <param name="failure">The bearer handler's failure; null when the request carried no bearer token.</param>
    /// <param name="issuerKeysUnreadable">
    /// The issuer's discovery document or keys cannot be read now. A token is then refused for want of keys, which is not
    /// the caller's fault: the answer is 503, not 401.
    /// </param>
    public static TokenRejection For(Exception? failure, TokenRequirement requirement, bool issuerKeysUnreadable = false)
    {
        var issuer = requirement.IssuerText;
        if (issuerKeysUnreadable)
        {
            return new(StatusCodes.Status503ServiceUnavailable, "issuer_unavailable",
                $"This server cannot check tokens right now: it could not read {requirement.DiscoveryUrl} or the signing keys it lists. " +
                "Try again shortly; if it persists, check AUTH_ISSUER and that the issuer is reachable from the service.");
        }

        return FirstOf(failure) switch
        {
            null => new(StatusCodes.Status401Unauthorized, "missing_token",
                $"This endpoint needs an access token from {issuer}: send it as 'Authorization: Bearer <token>'. " +
                "The resource_metadata URL names the authorization server."),
            SecurityTokenExpiredException expired => new(StatusCodes.Status401Unauthorized, "token_expired",
                $"The token expired at {expired.Expires:yyyy-MM-dd HH:mm:ss} UTC. Get a new one from {issuer}."),
            SecurityTokenNotYetValidException notYetValid => new(StatusCodes.Status401Unauthorized, "token_not_yet_valid",
                $"The token is not valid before {notYetValid.NotBefore:yyyy-MM-dd HH:mm:ss} UTC. Check the clocks of the issuer and of this server."),
            SecurityTokenInvalidAudienceException => new(StatusCodes.Status401Unauthorized, "token_wrong_audience",
                $"The token is not for this server: its aud (or, when it has no aud, its client_id) must be '{requirement.Audience}'. " +
                $"Ask {issuer} for a token for that audience."),
            SecurityTokenInvalidIssuerException => new(StatusCodes.Status401Unauthorized, "token_wrong_issuer",
                $"The token comes from another issuer; this server accepts tokens whose iss is {issuer} only."),
            SecurityTokenInvalidAlgorithmException => new(StatusCodes.Status401Unauthorized, "token_wrong_algorithm",
                $"The token is not signed with RS256; this server accepts RS256 tokens from {issuer} only."),
            NotAnAccessTokenException notAnAccessToken => new(StatusCodes.Status401Unauthorized, "token_not_access_token", notAnAccessToken.Message),
            SecurityTokenInvalidSignatureException => new(StatusCodes.Status401Unauthorized, "token_bad_signature",
                $"The token's signature does not verify with the signing keys {issuer} publishes. Get a new token from {issuer}."),
            // Also a token that is not a JWT at all (SecurityTokenMalformedException is an ArgumentException).
            _ => new(StatusCodes.Status401Unauthorized, "invalid_token",
                $"The bearer token is not a valid signed JWT access token from {issuer}. Get a new one from {issuer}."),
        };
    }

    /// <summary>Several token handlers report their failures together; the first one names the problem.</summary>
    public static Exception? FirstOf(Exception? failure) =>
        failure is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[0] : failure;
}
