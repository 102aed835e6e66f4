using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// The environment's CloudWatch dashboard, <c>apigw-&lt;env&gt;</c> (<see cref="DeploymentNames.Dashboard"/>), in the shared
/// stack: the HTTP API's requests, 4xx, 5xx and latency (p50, p99) on its stage; per service, its routes' requests, errors
/// and latency from the stage's per-route metrics; and the last requests the gateway answered with 400 or more, from the
/// access log, with the request id to follow each one (<c>./build.sh Logs --request-id &lt;id&gt;</c>).
/// </summary>
/// <remarks>
/// <para>It lists every service's routes (<see cref="HttpApiRoutes.For"/>), so a new service changes the shared stack here,
/// as it already does for its OAuth scope; a changed shared stack redeploys the services anyway. A dashboard needs no role:
/// the console reads its metrics and logs with the viewer's own permissions.</para>
/// <para>Per-route metrics come from the stage's detailed metrics (<see cref="HttpGateway"/>). The AWS page "Monitor
/// CloudWatch metrics for HTTP APIs in API Gateway" gives their dimensions as <c>ApiId, Method, Resource, Stage</c>
/// ("resource path, and route ID") without an example value; a route's <c>Resource</c> is taken to be its path
/// (<c>/api/fastapi/{proxy+}</c>). A service's routes are searched for by their exact <c>Resource</c>
/// (<see cref="RouteSearches"/>) rather than given as metrics with every dimension spelled out, so whatever <c>Method</c>
/// holds for an <c>ANY</c> route, the route's data is shown.</para>
/// </remarks>
public sealed class EnvironmentDashboard : Construct
{
    /// <summary>Every graph's period: API Gateway publishes its metrics once a minute.</summary>
    public static readonly Duration Period = Duration.Minutes(1);

    /// <summary>How many of the gateway's last error lines the log widget lists.</summary>
    public const int LastErrors = 50;

    const int FullWidth = 24;
    const int GraphHeight = 6;

    public EnvironmentDashboard(Construct scope, string id, string environment, HttpGateway gateway, IReadOnlyList<ServiceManifest> services)
        : base(scope, id)
    {
        var apiId = gateway.Api.ApiId;
        Name = DeploymentNames.Dashboard(environment);
        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = Name,
            DefaultInterval = Duration.Hours(3),
        });

        Metric StageMetric(string metric, string statistic, string label) => new(new MetricProps
        {
            Namespace = ApiAlarms.Namespace,
            MetricName = metric,
            DimensionsMap = new Dictionary<string, string> { ["ApiId"] = apiId, ["Stage"] = HttpGateway.StageName },
            Period = Period,
            Statistic = statistic,
            Label = label,
        });
        var third = FullWidth / 3;
        Dashboard.AddWidgets(
            Graph($"apigw-{environment} HTTP API: requests", [StageMetric(CountMetric, "Sum", "requests")], third),
            Graph($"apigw-{environment} HTTP API: errors", [StageMetric(FourXxMetric, "Sum", "4xx"), StageMetric(ApiAlarms.FiveXxMetric, "Sum", "5xx")], third),
            Graph($"apigw-{environment} HTTP API: latency (ms)",
                [StageMetric(ApiAlarms.LatencyMetric, "p50", "p50"), StageMetric(ApiAlarms.LatencyMetric, "p99", "p99")], third));

        foreach (var service in services)
        {
            var routes = HttpApiRoutes.For(service);
            IMetric[] ByRoute(string metric, string statistic, string label) => [.. RouteSearches(apiId, routes, metric, statistic, label)];
            Dashboard.AddWidgets(
                Graph($"{service.Name}: requests by route", ByRoute(CountMetric, "Sum", "requests"), third),
                Graph($"{service.Name}: errors by route", [.. ByRoute(FourXxMetric, "Sum", "4xx"), .. ByRoute(ApiAlarms.FiveXxMetric, "Sum", "5xx")], third),
                Graph($"{service.Name}: latency by route (ms)", [.. ByRoute(ApiAlarms.LatencyMetric, "p50", "p50"), .. ByRoute(ApiAlarms.LatencyMetric, "p99", "p99")], third));
        }

        Dashboard.AddWidgets(new LogQueryWidget(new LogQueryWidgetProps
        {
            Title = $"Last {LastErrors} requests the gateway answered with 400 or more (access log)",
            LogGroupNames = [gateway.AccessLogs.LogGroupName],
            QueryLines = LastErrorsQuery,
            View = LogQueryVisualizationType.TABLE,
            Width = FullWidth,
            Height = 8,
        }));
    }

    public const string CountMetric = "Count";
    public const string FourXxMetric = "4xx";

    /// <summary>The Logs Insights query of the last errors: the contract's access-log keys (<see cref="AccessLogFields"/>).</summary>
    public static readonly string[] LastErrorsQuery =
    [
        $"fields @timestamp, {AccessLogFields.RequestId}, {AccessLogFields.Route}, {AccessLogFields.Status}, {AccessLogFields.AuthorizerError}, {AccessLogFields.Error}",
        $"filter {AccessLogFields.Status} >= 400",
        "sort @timestamp desc",
        $"limit {LastErrors}",
    ];

    /// <summary><c>apigw-&lt;env&gt;</c>, the dashboard's name.</summary>
    public string Name { get; }

    public Dashboard Dashboard { get; }

    /// <summary>
    /// The per-route metric of <paramref name="routes"/> as CloudWatch searches (the AWS page "CloudWatch search expression
    /// syntax"): schema <c>{AWS/ApiGateway,ApiId,Method,Resource,Stage}</c>, exact matches on the metric, the API, the stage
    /// and each route's path as <c>Resource</c>, one time series per route, labelled with its method and path (dynamic
    /// labels). A search may be at most <see cref="MaxSearchLength"/> characters, so many routes take several.
    /// </summary>
    public static IEnumerable<MathExpression> RouteSearches(string apiId, IReadOnlyList<HttpApiRoute> routes, string metric, string statistic, string label)
    {
        var batch = new List<HttpApiRoute>();
        foreach (var route in routes)
        {
            if (batch.Count > 0 && RouteSearchExpression(ApiIdPlaceholder, [.. batch, route], metric, statistic).Length > MaxSearchLength)
            {
                yield return Search(batch);
                batch = [];
            }
            batch.Add(route);
        }
        if (batch.Count > 0)
            yield return Search(batch);

        MathExpression Search(IReadOnlyList<HttpApiRoute> some) => new(new MathExpressionProps
        {
            Expression = RouteSearchExpression(apiId, some, metric, statistic),
            UsingMetrics = new Dictionary<string, IMetric>(),
            Label = $"{label} ${{PROP('Dim.Method')}} ${{PROP('Dim.Resource')}}",
            Period = Period,
        });
    }

    /// <summary>"The maximum search expression query size is 1024 characters" (CloudWatch search expression syntax).</summary>
    public const int MaxSearchLength = 1024;

    /// <summary>As long as an HTTP API id (10 characters), for measuring a search before the id is known.</summary>
    const string ApiIdPlaceholder = "0123456789";

    public static string RouteSearchExpression(string apiId, IReadOnlyList<HttpApiRoute> routes, string metric, string statistic)
    {
        var resources = string.Join(" OR ", routes.Select(r => $"Resource=\"{ExactMatch(r.Path)}\""));
        return $"SEARCH('{{{ApiAlarms.Namespace},ApiId,Method,Resource,Stage}} MetricName=\"{metric}\" ApiId=\"{apiId}\" Stage=\"{HttpGateway.StageName}\" " +
               $"({resources})', '{statistic}', {(int)Period.ToSeconds()})";
    }

    /// <summary>In an exact-match search term <c>"</c>, <c>\</c>, <c>(</c> and <c>)</c> are escaped with a backslash.</summary>
    static string ExactMatch(string value) =>
        string.Concat(value.Select(c => c is '"' or '\\' or '(' or ')' ? "\\" + c : c.ToString()));

    static GraphWidget Graph(string title, IMetric[] metrics, int width) => new(new GraphWidgetProps
    {
        Title = title,
        Left = metrics,
        Width = width,
        Height = GraphHeight,
        Period = Period,
    });
}
