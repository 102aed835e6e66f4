using Pipeline.Manifests;
using Yarp.ReverseProxy.Model;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// What the HTTP API's JWT authorizer does on AWS, for the gateway's proxied routes: a request under a service's prefix
/// needs a valid access token from the local issuer (signature, issuer, audience, lifetime, <see cref="AccessTokenRule"/>)
/// that carries the service's scope (<see cref="ProtectedResources.ScopeOf"/>, the route's <c>AuthorizationScopes</c> on AWS) unless the
/// path under the prefix is one the manifest lets through (<see cref="ServiceManifest.UnauthenticatedPaths"/>: health, the resource
/// metadata path, <c>publicPaths</c>). The RFC 9728 discovery route is public. The internal routes
/// (<c>/_internal/&lt;svc&gt;</c>) need no token: they stand in for the private load balancer services call each other
/// through inside the VPC, which the API's authorizer never sees either. The gateway's own endpoints (<c>/_gateway/*</c>,
/// <c>/_auth/*</c>) are not proxied, so this check never runs for them.
/// <para>
/// A rejection is a 401 with <c>{"error":"unauthorized","reason":"..."}</c> and an RFC 6750 challenge, or, for a good token
/// without the service's scope, a 403 with <c>{"error":"forbidden","reason":"..."}</c> and
/// <c>error="insufficient_scope", scope="..."</c>; for a service that is an OAuth protected resource the challenge names its
/// metadata (<c>resource_metadata</c>), as the MCP authorization spec asks, so a client can step up. The token is never echoed. An accepted request keeps its Authorization header: the service checks it again.
/// </para>
/// </summary>
public sealed class BearerTokenCheck(LocalIssuer issuer, ServiceCatalog catalog, ProtectedResources resources, Func<Uri> gatewayBaseUrl)
{
    /// <summary>Route metadata key: how a proxied route is guarded (<see cref="RouteAccess"/>).</summary>
    public const string AccessMetadataKey = "access";

    public async Task CheckAsync(HttpContext context, Func<Task> next)
    {
        var route = context.Features.Get<IReverseProxyFeature>()?.Route.Config;
        var access = route?.Metadata?.GetValueOrDefault(AccessMetadataKey);
        var serviceName = route?.Metadata?.GetValueOrDefault(GatewayRouteTable.ServiceMetadataKey);
        var service = serviceName is null ? null : catalog.Find(serviceName);
        // Anything not positively known to be open is guarded: an unknown route kind fails closed.
        if (access is nameof(RouteAccess.Internal) or nameof(RouteAccess.Public)
            || (access == nameof(RouteAccess.TokenUnlessPublicPath) && service is not null && service.IsPublic(PathUnder(service, context.Request.Path))))
        {
            await next();
            return;
        }

        var token = BearerToken(context.Request.Headers.Authorization.ToString());
        // A guarded route without a known service (none today) needs a valid token and no particular scope.
        var rejection = token is null
            ? TokenRejection.Invalid(MissingToken)
            : await issuer.RejectionOfAsync(token, service is null ? null : resources.ScopeOf(service));
        if (rejection is null)
        {
            await next();
            return;
        }
        await RejectAsync(context, service, rejection);
    }

    const string MissingToken = "missing bearer token";

    /// <summary>The request path below the service's prefix, as the service sees it: <c>/api/fastapi/docs</c> → <c>/docs</c>, the bare prefix → <c>/</c>.</summary>
    static string PathUnder(ServiceManifest service, PathString path)
    {
        var rest = path.Value![service.RoutePrefix.Length..];
        return rest.Length == 0 ? "/" : rest;
    }

    static string? BearerToken(string header)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return null;
        var token = header[scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    async Task RejectAsync(HttpContext context, ServiceManifest? service, TokenRejection rejection)
    {
        var parameters = new List<string>();
        // RFC 6750 §3.1: a request without credentials gets no error code, only the challenge.
        if (rejection.Reason != MissingToken)
            parameters.Add($"error=\"{rejection.Error}\"");
        // The MCP authorization spec asks a protected resource to name the scope in every challenge: the client asks for it.
        if ((rejection.RequiredScope ?? (service?.ResourceMetadataPath is null ? null : resources.ScopeOf(service))) is { } scope)
            parameters.Add($"scope=\"{scope}\"");
        if (rejection.Reason != MissingToken)
            parameters.Add($"error_description=\"{QuotedStringSafe(rejection.Reason)}\"");
        if (service?.ResourceMetadataPath is { } metadataPath)
            parameters.Add($"resource_metadata=\"{ResourceMetadataUrl(service, metadataPath)}\"");
        var forbidden = rejection.Error == TokenRejection.InsufficientScope;
        AccessLog.GatewayAccessLog.NoteAuthorizerError(context, rejection.Reason);
        context.Response.StatusCode = forbidden ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = parameters.Count == 0 ? "Bearer" : "Bearer " + string.Join(", ", parameters);
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsJsonAsync(new { error = forbidden ? "forbidden" : "unauthorized", reason = rejection.Reason }, context.RequestAborted);
    }

    /// <summary>RFC 6750 §3: error_description holds printable ASCII without <c>"</c> and <c>\</c>.</summary>
    static string QuotedStringSafe(string text) =>
        new(text.Select(c => c is >= ' ' and <= '~' and not '"' and not '\\' ? c : '\'').ToArray());

    /// <summary>Where the service publishes its RFC 9728 metadata through this gateway, e.g. <c>http://127.0.0.1:8080/api/mcp/.well-known/oauth-protected-resource</c>.</summary>
    string ResourceMetadataUrl(ServiceManifest service, string metadataPath) =>
        gatewayBaseUrl().GetLeftPart(UriPartial.Authority) + service.RoutePrefix + metadataPath;
}

/// <summary>How a proxied route is guarded; kept in the route's metadata under <see cref="BearerTokenCheck.AccessMetadataKey"/>.</summary>
public enum RouteAccess
{
    /// <summary>A service's public route: a token is needed unless the path is one of the service's unauthenticated paths.</summary>
    TokenUnlessPublicPath,

    /// <summary>Open to everyone: the RFC 9728 discovery route of a protected resource.</summary>
    Public,

    /// <summary>Service to service, the stand-in for the private load balancer inside the VPC: no token, as on AWS.</summary>
    Internal,
}
