using System.Text.RegularExpressions;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Operations;

/// <summary>
/// The traffic part of <c>Status</c> on AWS: each service's requests, 4xx, 5xx and p50/p99 latency over the last
/// <see cref="ServiceTrafficTable.Window"/>, from the HTTP API's per-route metrics: the routes' series found with ListMetrics,
/// then their figures in one GetMetricData call.
/// </summary>
/// <remarks>
/// "Monitor CloudWatch metrics for HTTP APIs in API Gateway": namespace <c>AWS/ApiGateway</c>, metrics <c>Count</c>,
/// <c>4xx</c>, <c>5xx</c> and <c>Latency</c> (milliseconds), per route only while the stage's detailed metrics are on. The
/// page names the per-route dimensions two ways in its revisions, <c>ApiId, Stage, Route</c> and
/// <c>ApiId, Method, Resource, Stage</c>, and gives no example value; the environment's dashboard reads the second. So the
/// series are not spelled out but listed: every metric of the API and its stage that names one of a service's routes, by
/// <c>Route</c> (the route key, <c>ANY /api/fastapi/{proxy+}</c>) or by <c>Resource</c> (the route's path) and <c>Method</c>
/// (the route's method, or any method of an <c>ANY</c> route). GetMetricData then asks for exactly those series.
/// </remarks>
internal sealed partial class EnvironmentTraffic(CloudWatchClient cloudWatch)
{
    public const string Namespace = "AWS/ApiGateway";

    /// <summary>The stage every route is on (<c>HttpGateway.StageName</c> in the CDK app).</summary>
    public const string Stage = "$default";

    static readonly (string Suffix, string Metric, string Stat)[] Figures =
    [
        ("count", "Count", "Sum"),
        ("4xx", "4xx", "Sum"),
        ("5xx", "5xx", "Sum"),
        ("p50", "Latency", "p50"),
        ("p99", "Latency", "p99"),
    ];

    public async Task<IReadOnlyList<ServiceTraffic>> ReadAsync(string apiId, IReadOnlyList<ServiceManifest> services, DateTimeOffset now, CancellationToken cancellation)
    {
        var series = SeriesOf(apiId, services, await cloudWatch.ListRecentMetricsAsync(Namespace, [new("ApiId", apiId)], cancellation));
        if (series.Count == 0)
            return TrafficOf(services, series, []);
        var (start, end) = WindowEndingAt(now);
        return TrafficOf(services, series, await cloudWatch.GetMetricDataAsync(Queries(series), start, end, cancellation));
    }

    /// <summary>
    /// The last <see cref="ServiceTrafficTable.Window"/> up to the last whole minute (API Gateway publishes per minute), so the
    /// window is one period of the queries and each series has one datapoint.
    /// </summary>
    public static (DateTimeOffset Start, DateTimeOffset End) WindowEndingAt(DateTimeOffset now)
    {
        var end = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        return (end - ServiceTrafficTable.Window, end);
    }

    /// <summary>
    /// The per-route series among <paramref name="listed"/>: the API's, on its stage, naming a route of one of
    /// <paramref name="services"/>; each once, in the services' and their routes' order. Stage-wide metrics and routes the
    /// services do not have are left out.
    /// </summary>
    public static IReadOnlyList<RouteSeries> SeriesOf(string apiId, IReadOnlyList<ServiceManifest> services, IReadOnlyList<ListedMetric> listed)
    {
        var routes = services.SelectMany(s => HttpApiRoutes.For(s).Select(route => (Service: s.Name, Route: route))).ToList();
        var found = new List<(int Order, RouteSeries Series)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var metric in listed.Where(m => Figures.Any(f => f.Metric == m.MetricName)))
        {
            var dimensions = metric.Dimensions.OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
            string? Value(string name) => dimensions.FirstOrDefault(d => d.Name == name)?.Value;
            if (Value("ApiId") != apiId || Value("Stage") != Stage || !seen.Add(string.Join('\n', dimensions.Select(d => $"{d.Name}={d.Value}"))))
                continue;
            var order = routes.FindIndex(r => Value("Route") is { } key
                ? r.Route.RouteKey == key
                : Value("Resource") == r.Route.Path && (Value("Method") is not { } method || r.Route.Method == "ANY" || r.Route.Method == method));
            if (order >= 0)
                found.Add((order, new RouteSeries(routes[order].Service, routes[order].Route, dimensions)));
        }
        return found.OrderBy(f => f.Order).ThenBy(f => string.Join(',', f.Series.Dimensions.Select(d => d.Value)), StringComparer.Ordinal)
            .Select(f => f.Series).ToList();
    }

    /// <summary>Five queries per series: its count, 4xx and 5xx sums and its p50 and p99 latency, each over the whole window.</summary>
    public static IReadOnlyList<MetricDataQuery> Queries(IReadOnlyList<RouteSeries> series) =>
        series.SelectMany((s, i) => Figures.Select(f => new MetricDataQuery(QueryId(i, f.Suffix), Namespace, f.Metric, s.Dimensions, ServiceTrafficTable.Window, f.Stat)))
            .ToList();

    /// <summary>
    /// Each service's figures: requests, 4xx and 5xx summed over its series; latency percentiles cannot be summed, so p50 and
    /// p99 are those of its busiest series (most requests; on a tie the first, the token-guarded <c>{proxy+}</c> route that
    /// carries a service's calls, <see cref="HttpApiRoutes.For"/>). Without requests, or without a latency datapoint, latency
    /// is unknown.
    /// </summary>
    public static IReadOnlyList<ServiceTraffic> TrafficOf(IReadOnlyList<ServiceManifest> services, IReadOnlyList<RouteSeries> series, IReadOnlyList<MetricDataResult> results)
    {
        var values = results.ToDictionary(r => r.Id, r => r.Values, StringComparer.Ordinal);
        // A window a period long has one datapoint; should CloudWatch split it, sums add up and a percentile takes the higher value.
        double Sum(int i, string suffix) => values.GetValueOrDefault(QueryId(i, suffix))?.Sum() ?? 0;
        double? Highest(int i, string suffix) => values.GetValueOrDefault(QueryId(i, suffix)) is { Count: > 0 } v ? v.Max() : null;

        return services.Select(service =>
        {
            var own = Enumerable.Range(0, series.Count).Where(i => series[i].Service == service.Name).ToList();
            var busiest = own.OrderByDescending(i => Sum(i, "count")).FirstOrDefault(-1);
            var measured = busiest >= 0 && Sum(busiest, "count") > 0;
            return new ServiceTraffic(service.Name,
                (long)Math.Round(own.Sum(i => Sum(i, "count"))), (long)Math.Round(own.Sum(i => Sum(i, "4xx"))), (long)Math.Round(own.Sum(i => Sum(i, "5xx"))),
                measured ? Highest(busiest, "p50") : null, measured ? Highest(busiest, "p99") : null);
        }).ToList();
    }

    /// <summary>GetMetricData ids start with a lower-case letter and hold letters, digits and underscores.</summary>
    public static string QueryId(int series, string figure) => $"m{series}_{figure}";

    /// <summary>The API's id from its endpoint, <c>https://{api id}.execute-api.{region}.{url suffix}</c>; null for any other address.</summary>
    public static string? ApiIdOf(string? endpoint) =>
        endpoint is not null && Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && ExecuteApiHost().Match(uri.Host) is { Success: true } match
            ? match.Groups["id"].Value
            : null;

    [GeneratedRegex(@"^(?<id>[a-z0-9]+)\.execute-api\.")]
    private static partial Regex ExecuteApiHost();
}

/// <summary>One per-route time series of the API: the service and route it counts, and its dimensions as CloudWatch lists them.</summary>
internal sealed record RouteSeries(string Service, HttpApiRoute Route, IReadOnlyList<MetricDimension> Dimensions);
