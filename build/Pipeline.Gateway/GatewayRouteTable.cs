using Pipeline.Gateway.Auth;
using Pipeline.Manifests;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Pipeline.Gateway;

/// <summary>
/// The gateway's routes, built from the service manifests. The mapping matches the HTTP API's:
/// <c>/api/&lt;svc&gt;</c> → <c>/</c> and <c>/api/&lt;svc&gt;/&lt;rest&gt;</c> → <c>/&lt;rest&gt;</c>, query string kept.
/// Each service also has an internal route, <c>/_internal/&lt;svc&gt;</c>: the local stand-in for the private load balancer
/// a calling service reaches it through on AWS (<c>SERVICE_URL_&lt;SVC&gt;</c>). Both routes share one cluster, so a switch of the
/// service's upstream moves public and internal traffic together.
/// A service that is an OAuth protected resource (its manifest's <c>resourceMetadataPath</c>) also has the RFC 9728 discovery
/// route, <c>GET /.well-known/oauth-protected-resource/api/&lt;svc&gt;/…</c> → its metadata path, as the HTTP API has it.
/// Each route says in its metadata how it is guarded (<see cref="BearerTokenCheck"/>).
/// The routes never change while the gateway runs; a service's upstream does (<see cref="WithUpstream"/>).
/// </summary>
public sealed class GatewayRouteTable
{
    public const string ServiceMetadataKey = "service";

    /// <summary>Where callers reach a service without its public prefix; the pipeline builds the same URL (Local/LocalGatewayRoutes.cs).</summary>
    public const string InternalPrefix = "/_internal";

    /// <summary>RFC 9728 §3.1: the metadata of resource <c>https://host/api/mcp/mcp</c> is at <c>https://host/.well-known/oauth-protected-resource/api/mcp/mcp</c>.</summary>
    public const string ResourceMetadataWellKnown = "/.well-known/oauth-protected-resource";

    readonly Lock gate = new();
    IReadOnlyList<GatewayRoute> routes;

    GatewayRouteTable(IReadOnlyList<GatewayRoute> routes) => this.routes = routes;

    /// <summary>The routes as they are now: one snapshot, never a mix of before and after a switch.</summary>
    public IReadOnlyList<GatewayRoute> Routes => Volatile.Read(ref routes);

    public static GatewayRouteTable From(ServiceCatalog catalog, IReadOnlyDictionary<string, Uri> upstreamOverrides)
    {
        foreach (var unknown in upstreamOverrides.Keys.Where(name => catalog.Find(name) is null))
            throw new ArgumentException(
                $"--upstream names service '{unknown}', which has no manifest. Services that exist: {string.Join(", ", catalog.Names)}.");

        var routes = catalog.Services
            .Select(service => new GatewayRoute(
                service.Name,
                service.RoutePrefix,
                upstreamOverrides.TryGetValue(service.Name, out var url) ? url : new Uri($"http://127.0.0.1:{service.Port}"),
                service.ResourceMetadataPath))
            .ToList();
        return new GatewayRouteTable(routes);
    }

    public static string InternalPrefixOf(string service) => $"{InternalPrefix}/{service}";

    /// <summary>Points <paramref name="service"/> at <paramref name="upstream"/>, ending any shift; returns the route as it was before.</summary>
    public GatewayRoute WithUpstream(string service, Uri upstream) => Change(service, route => route with { Upstream = upstream, Shift = null });

    /// <summary>
    /// Sends <paramref name="percent"/> of <paramref name="service"/>'s requests to <paramref name="upstream"/>. A shift to the same
    /// upstream keeps its judge (and so its figures and verdict); a shift to another one starts a new judge.
    /// </summary>
    public GatewayRoute WithShift(string service, Uri upstream, double percent) => Change(service, route => route with
    {
        Shift = route.Shift is { } shift && shift.Upstream == upstream
            ? shift with { Percent = percent }
            : new TrafficShift(upstream, percent, new ShiftJudge()),
    });

    /// <summary>Ends <paramref name="service"/>'s shift: every request goes to its upstream again.</summary>
    public GatewayRoute WithoutShift(string service) => Change(service, route => route with { Shift = null });

    GatewayRoute Change(string service, Func<GatewayRoute, GatewayRoute> change)
    {
        lock (gate)
        {
            var current = routes;
            var previous = current.FirstOrDefault(r => r.Service == service)
                ?? throw new KeyNotFoundException($"No route for service '{service}'. Routes: {string.Join(", ", current.Select(r => r.Service))}.");
            Volatile.Write(ref routes, current.Select(r => r.Service == service ? change(r) : r).ToList());
            return previous;
        }
    }

    public IReadOnlyList<RouteConfig> ToProxyRoutes() => Routes.SelectMany(route => new[]
    {
        new RouteConfig
        {
            RouteId = route.Service,
            ClusterId = route.Service,
            // A catch-all is optional, so this template matches the bare prefix as well, but never "/api/<svc>x".
            Match = new RouteMatch { Path = route.Prefix + "/{**rest}" },
            Metadata = Metadata(route, RouteAccess.TokenUnlessPublicPath),
            Transforms =
            [
                new Dictionary<string, string> { ["PathPattern"] = "/{**rest}" },
                new Dictionary<string, string> { ["X-Forwarded"] = "Set", ["Prefix"] = "Off" },
                new Dictionary<string, string> { ["RequestHeader"] = "X-Forwarded-Prefix", ["Set"] = route.Prefix },
            ],
        },
        // Service to service, like a call to the private load balancer: no public prefix to announce, no token asked.
        new RouteConfig
        {
            RouteId = "internal-" + route.Service,
            ClusterId = route.Service,
            Match = new RouteMatch { Path = InternalPrefixOf(route.Service) + "/{**rest}" },
            Metadata = Metadata(route, RouteAccess.Internal),
            Transforms =
            [
                new Dictionary<string, string> { ["PathPattern"] = "/{**rest}" },
                new Dictionary<string, string> { ["X-Forwarded"] = "Set", ["Prefix"] = "Off" },
            ],
        },
    }.Concat(route.ResourceMetadataPath is { } metadataPath
        ? [
            // Every resource under the prefix has the service's one metadata document; the service sees the request as
            // one for its metadata path under its public prefix.
            new RouteConfig
            {
                RouteId = "resource-metadata-" + route.Service,
                ClusterId = route.Service,
                Match = new RouteMatch { Path = ResourceMetadataWellKnown + route.Prefix + "/{**rest}", Methods = ["GET"] },
                Metadata = Metadata(route, RouteAccess.Public),
                Transforms =
                [
                    new Dictionary<string, string> { ["PathSet"] = metadataPath },
                    new Dictionary<string, string> { ["X-Forwarded"] = "Set", ["Prefix"] = "Off" },
                    new Dictionary<string, string> { ["RequestHeader"] = "X-Forwarded-Prefix", ["Set"] = route.Prefix },
                ],
            },
        ]
        : Array.Empty<RouteConfig>())).ToList();

    static Dictionary<string, string> Metadata(GatewayRoute route, RouteAccess access) => new()
    {
        [ServiceMetadataKey] = route.Service,
        [BearerTokenCheck.AccessMetadataKey] = access.ToString(),
    };

    public IReadOnlyList<ClusterConfig> ToProxyClusters(TimeSpan activityTimeout) => Routes.Select(route => new ClusterConfig
    {
        ClusterId = route.Service,
        Destinations = DestinationsOf(route).ToDictionary(d => d.Key, d => new DestinationConfig { Address = d.Value.ToString() }),
        HttpRequest = new ForwarderRequestConfig { ActivityTimeout = activityTimeout },
    }).ToList();

    /// <summary>The route's destinations by id: the serving version under the service's name, a shifted-to one under <see cref="TrafficSplit.NewVersionDestination"/>.</summary>
    public static IReadOnlyDictionary<string, Uri> DestinationsOf(GatewayRoute route) =>
        route.Shift is { } shift
            ? new Dictionary<string, Uri> { [route.Service] = route.Upstream, [TrafficSplit.NewVersionDestination] = shift.Upstream }
            : new Dictionary<string, Uri> { [route.Service] = route.Upstream };

    public GatewayRoute? FindByService(string service) => Routes.FirstOrDefault(r => r.Service == service);

    public object Describe() => Routes.Select(r => new { service = r.Service, prefix = r.Prefix, upstream = r.Upstream.ToString() }).ToList();
}
