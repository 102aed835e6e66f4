using Pipeline.Manifests;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Pipeline.Gateway;

/// <summary>
/// The gateway's routes, built from the service manifests. The mapping matches the HTTP API's:
/// <c>/api/&lt;svc&gt;</c> → <c>/</c> and <c>/api/&lt;svc&gt;/&lt;rest&gt;</c> → <c>/&lt;rest&gt;</c>, query string kept.
/// </summary>
public sealed class GatewayRouteTable
{
    public const string ServiceMetadataKey = "service";

    GatewayRouteTable(IReadOnlyList<GatewayRoute> routes) => Routes = routes;

    public IReadOnlyList<GatewayRoute> Routes { get; }

    public static GatewayRouteTable From(ServiceCatalog catalog, IReadOnlyDictionary<string, Uri> upstreamOverrides)
    {
        foreach (var unknown in upstreamOverrides.Keys.Where(name => catalog.Find(name) is null))
            throw new ArgumentException(
                $"--upstream names service '{unknown}', which has no manifest. Services that exist: {string.Join(", ", catalog.Names)}.");

        var routes = catalog.Services
            .Select(service => new GatewayRoute(
                service.Name,
                service.RoutePrefix,
                upstreamOverrides.TryGetValue(service.Name, out var url) ? url : new Uri($"http://127.0.0.1:{service.Port}")))
            .ToList();
        return new GatewayRouteTable(routes);
    }

    public IReadOnlyList<RouteConfig> ToProxyRoutes() => Routes.Select(route => new RouteConfig
    {
        RouteId = route.Service,
        ClusterId = route.Service,
        // A catch-all is optional, so this template matches the bare prefix as well, but never "/api/<svc>x".
        Match = new RouteMatch { Path = route.Prefix + "/{**rest}" },
        Metadata = new Dictionary<string, string> { [ServiceMetadataKey] = route.Service },
        Transforms =
        [
            new Dictionary<string, string> { ["PathPattern"] = "/{**rest}" },
            new Dictionary<string, string> { ["X-Forwarded"] = "Set", ["Prefix"] = "Off" },
            new Dictionary<string, string> { ["RequestHeader"] = "X-Forwarded-Prefix", ["Set"] = route.Prefix },
        ],
    }).ToList();

    public IReadOnlyList<ClusterConfig> ToProxyClusters(TimeSpan activityTimeout) => Routes.Select(route => new ClusterConfig
    {
        ClusterId = route.Service,
        Destinations = new Dictionary<string, DestinationConfig>
        {
            [route.Service] = new() { Address = route.Upstream.ToString() },
        },
        HttpRequest = new ForwarderRequestConfig { ActivityTimeout = activityTimeout },
    }).ToList();

    public GatewayRoute? FindByService(string service) => Routes.FirstOrDefault(r => r.Service == service);

    public object Describe() => Routes.Select(r => new { service = r.Service, prefix = r.Prefix, upstream = r.Upstream.ToString() }).ToList();
}
