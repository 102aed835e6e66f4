using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol.AspNetCore.Authentication;

namespace Mcp.Server.Authorization;

/// <summary>
/// Bearer-token authentication for the MCP endpoint, as the MCP authorization specification asks of a protected
/// resource: access tokens (<see cref="AccessTokenRule"/>) of one issuer and audience are validated here (defence in depth
/// behind the gateway), the endpoint's policy (<see cref="ScopePolicy"/>) asks for the service's scope, and a caller without
/// a valid token is challenged with the URL of the resource metadata (<see cref="McpBearerChallengeHandler"/>).
/// </summary>
public static class TokenAuthentication
{
    /// <summary>Cognito client-credentials access tokens carry the app client in <c>client_id</c> and have no <c>aud</c>.</summary>
    public const string ClientIdClaim = "client_id";

    /// <summary>The authorization policy of the MCP endpoint: an authenticated caller whose token carries <see cref="TokenRequirement.Scope"/>.</summary>
    public const string ScopePolicy = "mcp-scope";

    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan IssuerTimeout = TimeSpan.FromSeconds(10);

    public static IServiceCollection AddTokenAuthentication(this IServiceCollection services, ServiceSettings settings, TokenRequirement requirement)
    {
        var resource = new ProtectedResource(settings, requirement);
        services.AddSingleton(requirement);
        services.AddSingleton(resource);
        services
            .AddAuthentication(options =>
            {
                options.DefaultAuthenticateScheme = JwtBearerDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = McpAuthenticationDefaults.AuthenticationScheme;
            })
            .AddJwtBearer(jwt =>
            {
                jwt.MetadataAddress = requirement.DiscoveryUrl;
                // Settings accept plain http only for a loopback issuer (the local platform's).
                jwt.RequireHttpsMetadata = requirement.Issuer.Scheme == Uri.UriSchemeHttps;
                jwt.MapInboundClaims = false;
                // Well under the gateway's 30 s, so a hanging issuer makes a clear 503 rather than a gateway timeout.
                jwt.BackchannelTimeout = IssuerTimeout;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = requirement.IssuerText,
                    AudienceValidator = (audiences, token, _) => IsForAudience(requirement.Audience, audiences, token),
                    ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
                    ClockSkew = ClockSkew,
                    NameClaimType = JwtRegisteredClaimNames.Sub,
                };
                jwt.Events = new JwtBearerEvents
                {
                    // Whatever goes wrong while authenticating is a failure of that token, never an exception that would
                    // turn even a health check that happens to carry a token into a 500.
                    OnAuthenticationFailed = context =>
                    {
                        context.Fail(context.Exception);
                        return Task.CompletedTask;
                    },
                    // Signature, issuer, audience and lifetime are fine; an ID token would pass all of them.
                    OnTokenValidated = context =>
                    {
                        if (context.SecurityToken is JsonWebToken token && AccessTokenRule.Refusal(token) is { } refusal)
                        {
                            context.Fail(new NotAnAccessTokenException(refusal));
                        }

                        return Task.CompletedTask;
                    },
                };
            })
            // The SDK's MCP scheme (resource metadata, the challenge that names it), extended with RFC 6750's error parameters.
            .AddScheme<McpAuthenticationOptions, McpBearerChallengeHandler>(McpAuthenticationDefaults.AuthenticationScheme, McpAuthenticationDefaults.DisplayName, mcp =>
            {
                // With PUBLIC_BASE_URL the challenge names the absolute public URL. Without it, a relative URL makes the SDK
                // build it from the request's scheme, host and path base, which the forwarded headers and ROOT_PATH set.
                mcp.ResourceMetadataUri = resource.ConfiguredMetadataUrl ?? new Uri(ProtectedResource.MetadataPath, UriKind.Relative);
                // The document depends on the request when PUBLIC_BASE_URL is unset, so it is built per request.
                mcp.Events.OnResourceMetadataRequest = context =>
                {
                    context.ResourceMetadata = resource.MetadataFor(context.HttpContext.Request);
                    return Task.CompletedTask;
                };
            });
        services.AddAuthorizationBuilder().AddPolicy(ScopePolicy, policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(context => HasScope(context.User, requirement.Scope)));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, TokenRejectionHandler>();
        return services;
    }

    /// <summary>
    /// Whether the caller's token grants <paramref name="scope"/>: its <c>scope</c> claim is space-separated (RFC 9068, Cognito),
    /// and some issuers send the scopes as an array, in <c>scope</c> or <c>scp</c> (Entra ID).
    /// </summary>
    public static bool HasScope(ClaimsPrincipal user, string scope) =>
        user.FindAll(claim => claim.Type is "scope" or "scp")
            .SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Contains(scope, StringComparer.Ordinal);

    /// <summary>
    /// Whether a token is for this server: its <c>aud</c> names one of the accepted audiences, or, when it has no <c>aud</c>
    /// at all, its <c>client_id</c> does. That is the rule of API Gateway's JWT authorizers, so both layers agree on every
    /// token. <paramref name="audience"/> is <c>AUTH_AUDIENCE</c>: one audience, or several comma-separated (on AWS with
    /// Cognito, the machine client's and the interactive client's ids).
    /// </summary>
    public static bool IsForAudience(string audience, IEnumerable<string>? tokenAudiences, SecurityToken token)
    {
        var accepted = audience.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var audiences = tokenAudiences?.ToList() ?? [];
        if (audiences.Count > 0)
        {
            return audiences.Intersect(accepted, StringComparer.Ordinal).Any();
        }

        return token is JsonWebToken jwt
            && jwt.TryGetPayloadValue<string>(ClientIdClaim, out var clientId)
            && accepted.Contains(clientId, StringComparer.Ordinal);
    }
}
