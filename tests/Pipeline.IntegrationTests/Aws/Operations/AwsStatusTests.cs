using System.Globalization;
using System.Text.RegularExpressions;
using System.Web;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Build.Aws.Operations;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Aws.Operations;

/// <summary>
/// <c>./build.sh Status</c> on AWS against moto over HTTP: after the stacks' table, each service's requests, 4xx, 5xx, error
/// rate and p50/p99 latency of the last 15 minutes, from the HTTP API's per-route metrics: the routes' series found with
/// ListMetrics, their figures read in one GetMetricData call.
/// </summary>
/// <remarks>
/// moto 5.2.1 answers ListMetrics and GetMetricData's sums from PutMetricData, but a percentile statistic (p50, p99) makes it
/// fail the whole GetMetricData call (500: it computes none). So the proxy sends moto the call without the percentile queries
/// and adds their answers, in CloudWatch's own shape, to moto's; the percentiles' arithmetic is unit-tested.
/// </remarks>
public sealed partial class AwsStatusTests(MotoServer moto) : MotoTests(moto)
{
    static readonly IReadOnlyList<ServiceManifest> Services =
    [
        new() { Name = "fastapi", Port = 8000, RoutePrefix = "/api/fastapi" },
        new() { Name = "mcp", Port = 3000, RoutePrefix = "/api/mcp", Uses = ["fastapi"] },
    ];

    const string FastApiProxy = "/api/fastapi/{proxy+}";

    readonly DateTimeOffset now = DateTimeOffset.UtcNow;
    readonly List<string> metricRequests = [];

    async Task<string> StatusAsync(MotoEnvironment environment)
    {
        var output = new StringWriter();
        await new AwsOperations(environment.Context(Proxy.Endpoint)) { Clock = new FakeTimeProvider(now) }.StatusAsync(output, default);
        return output.ToString();
    }

    static List<string> Lines(string status) => status.Split('\n').Select(l => l.TrimEnd()).ToList();

    /// <summary>
    /// The percentiles the proxy adds to moto's answer, by route: its route key for a series named by <c>Route</c>, else
    /// <c>"&lt;Method&gt; &lt;Resource&gt;"</c>.
    /// </summary>
    void AnswerPercentiles(IReadOnlyDictionary<string, (double P50, double P99)> byRoute) => Proxy.When("GetMetricData", async call =>
    {
        metricRequests.Add(call.RequestBody);
        var form = HttpUtility.ParseQueryString(call.RequestBody);
        var added = "";
        foreach (var query in Queries(form).Where(q => q.Stat.StartsWith('p')))
        {
            var route = query.Dimensions.TryGetValue("Route", out var key) ? key : $"{query.Dimensions["Method"]} {query.Dimensions["Resource"]}";
            if (byRoute.TryGetValue(route, out var latency))
                added += $"<member><Id>{query.Id}</Id><Label>Latency</Label><Timestamps><member>{now.AddMinutes(-15):yyyy-MM-dd'T'HH:mm:ss'Z'}</member></Timestamps>" +
                         $"<Values><member>{(query.Stat == "p50" ? latency.P50 : latency.P99).ToString(CultureInfo.InvariantCulture)}</member></Values>" +
                         "<StatusCode>Complete</StatusCode></member>";
        }
        var reply = await call.ForwardBodyAsync(WithoutPercentileQueries(form));
        return reply with { Body = reply.Body.Replace("</MetricDataResults>", added + "</MetricDataResults>", StringComparison.Ordinal) };
    });

    [Fact]
    public async Task Status_shows_each_services_requests_errors_and_latency_of_the_last_fifteen_minutes_from_its_routes_series()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);
        // As the dashboard reads them: one series per route and request method.
        await environment.PutRouteMetricAsync(MotoEnvironment.ByResource("GET", FastApiProxy), "Count", 30, now.AddMinutes(-5));
        await environment.PutRouteMetricAsync(MotoEnvironment.ByResource("GET", FastApiProxy), "4xx", 3, now.AddMinutes(-5));
        await environment.PutRouteMetricAsync(MotoEnvironment.ByResource("POST", FastApiProxy), "Count", 10, now.AddMinutes(-3));
        await environment.PutRouteMetricAsync(MotoEnvironment.ByResource("POST", FastApiProxy), "5xx", 1, now.AddMinutes(-3));
        await environment.PutRouteMetricAsync(MotoEnvironment.ByResource("GET", "/api/fastapi"), "Count", 10, now.AddMinutes(-4));
        await environment.PutRouteMetricAsync(MotoEnvironment.ByResource("GET", "/api/fastapi"), "4xx", 1, now.AddMinutes(-4));
        await environment.PutRouteMetricAsync(MotoEnvironment.ByResource("POST", "/api/mcp/{proxy+}"), "Count", 5, now.AddMinutes(-2));
        // Neither before the window, nor another API's traffic, nor the stage's own total counts.
        await environment.PutRouteMetricAsync(MotoEnvironment.ByResource("GET", FastApiProxy), "Count", 1000, now.AddMinutes(-20));
        await environment.PutRouteMetricAsync(MotoEnvironment.ByResource("GET", FastApiProxy), "Count", 500, now.AddMinutes(-4), apiId: "another0api");
        await environment.PutRouteMetricAsync([], "Count", 55, now.AddMinutes(-4));
        AnswerPercentiles(new Dictionary<string, (double, double)>
        {
            [$"GET {FastApiProxy}"] = (12, 250), [$"POST {FastApiProxy}"] = (3, 5), ["POST /api/mcp/{proxy+}"] = (8.5, 40),
        });

        var status = await StatusAsync(environment);

        var lines = Lines(status);
        lines.Should().Contain(l => l.StartsWith("Traffic of the last 15 minutes (API Gateway per-route metrics of HTTP API " + environment.ApiId, StringComparison.Ordinal));
        lines.Should().ContainMatch("Service*Requests*4xx*5xx*Error rate*p50*p99");
        lines.Should().Contain(l => Regex.IsMatch(l, @"^fastapi\s+50\s+4\s+1\s+10\.0 %\s+12 ms\s+250 ms$"), "fastapi's series add up; latency is its busiest series'");
        lines.Should().Contain(l => Regex.IsMatch(l, @"^mcp\s+5\s+0\s+0\s+0\.0 %\s+8\.5 ms\s+40 ms$"));
        status.Should().Contain("Stack " + DeploymentNames.SharedStack(environment.Environment), "the stacks' table comes first");

        Proxy.Actions.Count(a => a == "ListMetrics").Should().Be(1);
        metricRequests.Should().ContainSingle("one GetMetricData call reads every figure");
        var queries = Queries(HttpUtility.ParseQueryString(metricRequests[0]));
        queries.Select(q => $"{q.Dimensions["Method"]} {q.Dimensions["Resource"]}").Distinct().Should().BeEquivalentTo(
            $"GET {FastApiProxy}", $"POST {FastApiProxy}", "GET /api/fastapi", "POST /api/mcp/{proxy+}");
        queries.Should().HaveCount(4 * 5).And.AllSatisfy(q =>
        {
            q.Dimensions["ApiId"].Should().Be(environment.ApiId);
            q.Dimensions["Stage"].Should().Be("$default");
            q.Period.Should().Be("900");
        });
    }

    [Fact]
    public async Task A_routes_series_named_by_its_route_key_counts_as_well()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);
        await environment.PutRouteMetricAsync(MotoEnvironment.ByRoute("ANY /api/fastapi/{proxy+}"), "Count", 7, now.AddMinutes(-2));
        await environment.PutRouteMetricAsync(MotoEnvironment.ByRoute("ANY /api/fastapi/{proxy+}"), "5xx", 7, now.AddMinutes(-2));
        AnswerPercentiles(new Dictionary<string, (double, double)> { ["ANY /api/fastapi/{proxy+}"] = (20, 31) });

        var lines = Lines(await StatusAsync(environment));

        lines.Should().Contain(l => Regex.IsMatch(l, @"^fastapi\s+7\s+0\s+7\s+100\.0 %\s+20 ms\s+31 ms$"));
        lines.Should().Contain(l => Regex.IsMatch(l, @"^mcp\s+0\s+0\s+0\s+-\s+-\s+-$"));
    }

    [Fact]
    public async Task Without_per_route_metrics_every_service_shows_no_requests_and_unknown_latency_and_says_why_there_may_be_none()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);

        var lines = Lines(await StatusAsync(environment));

        lines.Should().Contain(l => Regex.IsMatch(l, @"^fastapi\s+0\s+0\s+0\s+-\s+-\s+-$"));
        lines.Should().Contain(l => Regex.IsMatch(l, @"^mcp\s+0\s+0\s+0\s+-\s+-\s+-$"));
        lines.Should().Contain(l => l.StartsWith("No requests counted: none came in that time, or the API's stage publishes no per-route metrics", StringComparison.Ordinal));
        Proxy.Actions.Should().Contain("ListMetrics").And.NotContain("GetMetricData", "with no series there is nothing to read");
    }

    [Fact]
    public async Task Credentials_without_the_metrics_reads_leave_the_table_and_say_which_permissions_the_figures_need()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);
        Proxy.Fail("ListMetrics", 10, MotoFaultProxy.QueryError(403, "AccessDenied",
            "User: arn:aws:sts::123456789012:assumed-role/dev-readonly/me is not authorized to perform: cloudwatch:ListMetrics because no identity-based policy allows the cloudwatch:ListMetrics action"));

        var status = await StatusAsync(environment);

        status.Should().Contain("Stack " + DeploymentNames.SharedStack(environment.Environment)).And.MatchRegex(@"(?m)^\s+fastapi\s+CREATE_COMPLETE");
        status.Should().Contain("traffic figures unavailable: AccessDenied: User: arn:aws:sts::123456789012:assumed-role/dev-readonly/me is not authorized to perform: cloudwatch:ListMetrics")
            .And.Contain("the credentials Status runs with need cloudwatch:ListMetrics and cloudwatch:GetMetricData");
        status.Should().NotContain("Traffic of the last");
    }

    sealed record SentQuery(int Member, string Id, string Stat, string Period, IReadOnlyDictionary<string, string> Dimensions);

    /// <summary>The metric queries of a GetMetricData form, as sent.</summary>
    static List<SentQuery> Queries(System.Collections.Specialized.NameValueCollection form) =>
        form.AllKeys.OfType<string>().Select(k => QueryKey().Match(k)).Where(m => m.Success).Select(m => int.Parse(m.Groups["n"].Value)).Distinct().Order()
            .Select(n =>
            {
                var prefix = $"MetricDataQueries.member.{n}.";
                var dimensions = new Dictionary<string, string>();
                for (var d = 1; form[$"{prefix}MetricStat.Metric.Dimensions.member.{d}.Name"] is { } name; d++)
                    dimensions[name] = form[$"{prefix}MetricStat.Metric.Dimensions.member.{d}.Value"]!;
                return new SentQuery(n, form[prefix + "Id"]!, form[prefix + "MetricStat.Stat"]!, form[prefix + "MetricStat.Period"]!, dimensions);
            })
            .ToList();

    /// <summary>The GetMetricData form without its percentile queries, the rest numbered again from one.</summary>
    static string WithoutPercentileQueries(System.Collections.Specialized.NameValueCollection form)
    {
        var kept = Queries(form).Where(q => !q.Stat.StartsWith('p')).Select(q => q.Member).ToList();
        var pairs = form.AllKeys.OfType<string>().Where(k => !QueryKey().IsMatch(k)).Select(k => (Key: k, Value: form[k]!)).ToList();
        foreach (var key in form.AllKeys.OfType<string>())
            if (QueryKey().Match(key) is { Success: true } match && kept.IndexOf(int.Parse(match.Groups["n"].Value)) is var index and >= 0)
                pairs.Add(($"MetricDataQueries.member.{index + 1}.{match.Groups["field"].Value}", form[key]!));
        return string.Join("&", pairs.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
    }

    [GeneratedRegex(@"^MetricDataQueries\.member\.(?<n>\d+)\.(?<field>.+)$")]
    private static partial Regex QueryKey();
}
