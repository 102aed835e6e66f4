using System.Text.RegularExpressions;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Operations;

/// <summary>
/// The traffic part of <c>Status</c> on AWS: each service's requests, 4xx, 5xx and p50/p99 latency over the last
/// <see cref="ServiceTrafficTable.Window"/>, from the HTTP API's per-route metrics in one GetMetricData call.
/// </summary>
/// <remarks>
/// "Monitor CloudWatch metrics for HTTP APIs in API Gateway": namespace <c>AWS/ApiGateway</c>, metrics <c>Count</c>,
/// <c>4xx</c>, <c>5xx</c> and <c>Latency</c> (milliseconds), per route with the dimensions <c>ApiId</c>, <c>Stage</c> and
/// <c>Route</c> (the route key, e.g. <c>ANY /api/fastapi/{proxy+}</c>). API Gateway publishes per-route metrics only while
/// the stage's detailed metrics are on; without them every figure reads 0 requests.
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
        var (start, end) = WindowEndingAt(now);
        var results = await cloudWatch.GetMetricDataAsync(Queries(apiId, services), start, end, cancellation);
        return TrafficOf(services, results);
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

    /// <summary>Five queries per route of each service: its count, 4xx and 5xx sums and its p50 and p99 latency, over the whole window.</summary>
    public static IReadOnlyList<MetricDataQuery> Queries(string apiId, IReadOnlyList<ServiceManifest> services)
    {
        var queries = new List<MetricDataQuery>();
        for (var s = 0; s < services.Count; s++)
        {
            var routes = HttpApiRoutes.For(services[s]);
            for (var r = 0; r < routes.Count; r++)
            {
                IReadOnlyList<MetricDimension> dimensions = [new("ApiId", apiId), new("Stage", Stage), new("Route", routes[r].RouteKey)];
                queries.AddRange(Figures.Select(f => new MetricDataQuery(QueryId(s, r, f.Suffix), Namespace, f.Metric, dimensions, ServiceTrafficTable.Window, f.Stat)));
            }
        }
        return queries;
    }

    /// <summary>
    /// Each service's figures: requests, 4xx and 5xx summed over its routes; latency percentiles cannot be summed, so p50 and
    /// p99 are those of its busiest route (most requests; on a tie the first of <see cref="HttpApiRoutes.For"/>, the token-guarded
    /// <c>{proxy+}</c> route that carries a service's calls). Without requests, or without a latency datapoint, latency is unknown.
    /// </summary>
    public static IReadOnlyList<ServiceTraffic> TrafficOf(IReadOnlyList<ServiceManifest> services, IReadOnlyList<MetricDataResult> results)
    {
        var values = results.ToDictionary(r => r.Id, r => r.Values, StringComparer.Ordinal);
        // A window a period long has one datapoint; should CloudWatch split it, sums add up and a percentile takes the higher value.
        double Sum(int s, int r, string suffix) => values.GetValueOrDefault(QueryId(s, r, suffix))?.Sum() ?? 0;
        double? Highest(int s, int r, string suffix) => values.GetValueOrDefault(QueryId(s, r, suffix)) is { Count: > 0 } v ? v.Max() : null;

        var traffic = new List<ServiceTraffic>();
        for (var s = 0; s < services.Count; s++)
        {
            var routes = Enumerable.Range(0, HttpApiRoutes.For(services[s]).Count).ToList();
            var requests = routes.Sum(r => Sum(s, r, "count"));
            var busiest = routes.OrderByDescending(r => Sum(s, r, "count")).First();
            var measured = Sum(s, busiest, "count") > 0;
            traffic.Add(new ServiceTraffic(services[s].Name,
                (long)Math.Round(requests), (long)Math.Round(routes.Sum(r => Sum(s, r, "4xx"))), (long)Math.Round(routes.Sum(r => Sum(s, r, "5xx"))),
                measured ? Highest(s, busiest, "p50") : null, measured ? Highest(s, busiest, "p99") : null));
        }
        return traffic;
    }

    /// <summary>GetMetricData ids start with a lower-case letter and hold letters, digits and underscores.</summary>
    public static string QueryId(int service, int route, string figure) => $"s{service}r{route}_{figure}";

    /// <summary>The API's id from its endpoint, <c>https://{api id}.execute-api.{region}.{url suffix}</c>; null for any other address.</summary>
    public static string? ApiIdOf(string? endpoint) =>
        endpoint is not null && Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && ExecuteApiHost().Match(uri.Host) is { Success: true } match
            ? match.Groups["id"].Value
            : null;

    [GeneratedRegex(@"^(?<id>[a-z0-9]+)\.execute-api\.")]
    private static partial Regex ExecuteApiHost();
}
