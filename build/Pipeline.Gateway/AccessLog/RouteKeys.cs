using Pipeline.Manifests;

namespace Pipeline.Gateway.AccessLog;

/// <summary>
/// Which of a service's HTTP API routes (<see cref="HttpApiRoutes.For"/>) a request matches, as API Gateway would choose it, so
/// the local access log names the same route key (<c>$context.routeKey</c>) as the one on AWS: a route whose path equals the
/// request's first, then the longest greedy <c>{proxy+}</c> route it falls under; <c>ANY</c> matches every method.
/// </summary>
public sealed class RouteKeys(ServiceCatalog catalog)
{
    readonly Dictionary<string, IReadOnlyList<HttpApiRoute>> routesByService =
        catalog.Services.ToDictionary(s => s.Name, HttpApiRoutes.For, StringComparer.Ordinal);

    /// <summary>The route key, or <c>-</c> (what API Gateway logs) when no route of the service matches.</summary>
    public string Of(string service, string method, string path)
    {
        if (!routesByService.TryGetValue(service, out var routes))
            return NoRoute;
        var candidates = routes.Where(r => r.Method == "ANY" || string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase)).ToList();
        if (candidates.FirstOrDefault(r => r.Path == path) is { } exact)
            return exact.RouteKey;
        var greedy = candidates
            .Where(r => r.Path.EndsWith(HttpApiRoutes.ProxySegment, StringComparison.Ordinal))
            .Select(r => (Route: r, Under: r.Path[..^HttpApiRoutes.ProxySegment.Length] + "/"))
            // {proxy+} needs at least one character after the slash.
            .Where(r => path.Length > r.Under.Length && path.StartsWith(r.Under, StringComparison.Ordinal))
            .OrderByDescending(r => r.Under.Length)
            .FirstOrDefault();
        return greedy.Route?.RouteKey ?? NoRoute;
    }

    public const string NoRoute = "-";
}
