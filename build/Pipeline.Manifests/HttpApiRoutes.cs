namespace Pipeline.Manifests;

/// <summary>
/// One route of the environment's HTTP API that leads to a service: its method and path, whether a caller needs a valid
/// token, and the path the service sees (API Gateway's <c>overwrite:path</c> mapping of the route's integration).
/// </summary>
/// <param name="Method"><c>ANY</c> or one HTTP method.</param>
/// <param name="Path">The route path, e.g. <c>/api/fastapi/{proxy+}</c>.</param>
/// <param name="NeedsToken">False only for the paths the manifest declares public (health, metadata, publicPaths).</param>
/// <param name="PathMapping">What the service receives as its path: <c>/$request.path.proxy</c>, a literal path (<c>/</c> for the bare prefix), or <c>/static/$request.path.proxy</c>.</param>
public sealed record HttpApiRoute(string Method, string Path, bool NeedsToken, string PathMapping)
{
    /// <summary>API Gateway's route key, e.g. <c>ANY /api/fastapi/{proxy+}</c>.</summary>
    public string RouteKey => $"{Method} {Path}";
}

/// <summary>
/// The HTTP API routes of a service, derived from its manifest alone: the CDK app creates exactly these, the limit check
/// counts them before anything is synthesized, and the route rule knows from them which routes may go without a token.
/// </summary>
/// <remarks>
/// Per service: <c>ANY &lt;prefix&gt;/{proxy+}</c> and <c>ANY &lt;prefix&gt;</c> behind the JWT authorizer, the prefix stripped, each
/// with an integration of its own: the bare prefix has no <c>proxy</c> variable, and what API Gateway sends for
/// <c>/$request.path.proxy</c> on a route without one is not documented, so its integration sends the static <c>/</c>, as
/// the local gateway maps <c>/api/&lt;svc&gt;</c>. One public route per unauthenticated path (health, metadata, publicPaths),
/// each with an integration of its own for the same reason; and, for an OAuth
/// protected resource, <c>GET /.well-known/oauth-protected-resource&lt;prefix&gt;/{proxy+}</c>: RFC 9728's path-insertion
/// form of the metadata URL of every resource under the prefix, which is where an MCP client looks when the 401 it got
/// (API Gateway's own) names no metadata.
/// </remarks>
public static class HttpApiRoutes
{
    /// <summary>API Gateway's greedy path variable; the integration maps it through <see cref="ProxyMapping"/>.</summary>
    public const string ProxySegment = "/{proxy+}";

    /// <summary>The mapping of the shared integration: <c>/api/&lt;svc&gt;/a/b</c> → <c>/a/b</c>, as the local gateway strips the prefix.</summary>
    public const string ProxyMapping = "/$request.path.proxy";

    /// <summary>The mapping of the bare prefix route: <c>/api/&lt;svc&gt;</c> → <c>/</c>, the service's root, as the local gateway maps it.</summary>
    public const string PrefixMapping = "/";

    /// <summary>Where RFC 9728 puts protected resource metadata (<c>/.well-known/oauth-protected-resource</c> + the resource's path).</summary>
    public const string ResourceMetadataWellKnown = "/.well-known/oauth-protected-resource";

    public static IReadOnlyList<HttpApiRoute> For(ServiceManifest service)
    {
        var prefix = service.RoutePrefix;
        var routes = new List<HttpApiRoute>
        {
            new("ANY", prefix + ProxySegment, NeedsToken: true, ProxyMapping),
            new("ANY", prefix, NeedsToken: true, PrefixMapping),
        };
        foreach (var path in service.UnauthenticatedPaths)
            routes.Add(path.IsSubtree
                ? new HttpApiRoute("ANY", prefix + path.Path + ProxySegment, NeedsToken: false, path.Path + ProxyMapping)
                : new HttpApiRoute("ANY", prefix + path.Path, NeedsToken: false, path.Path));
        if (service.ResourceMetadataPath is { } metadata)
            routes.Add(new HttpApiRoute("GET", ResourceMetadataWellKnown + prefix + ProxySegment, NeedsToken: false, metadata));
        return routes;
    }

    /// <summary>Integrations the service's routes need: one per distinct path mapping.</summary>
    public static int IntegrationCount(ServiceManifest service) =>
        For(service).Select(r => r.PathMapping).Distinct(StringComparer.Ordinal).Count();

    /// <summary>
    /// The manifest entry that would make a route path of <paramref name="service"/> public (<c>/docs</c>, <c>/static/*</c>),
    /// or null when the path is not under the service's prefix.
    /// </summary>
    public static string? PublicPathEntryFor(ServiceManifest service, string routePath)
    {
        var prefix = service.RoutePrefix;
        if (!routePath.StartsWith(prefix + "/", StringComparison.Ordinal))
            return null;
        var under = routePath[prefix.Length..];
        return under.EndsWith(ProxySegment, StringComparison.Ordinal)
            ? under[..^ProxySegment.Length] + PublicPath.SubtreeSuffix
            : under;
    }
}
