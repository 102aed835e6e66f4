using System.Text.RegularExpressions;
using System.Web;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Build.Aws.Operations;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Aws.Operations;

/// <summary>
/// <c>./build.sh Status</c> on AWS against moto over HTTP: after the stacks' table, each service's requests, 4xx, 5xx, error
/// rate and p50/p99 latency of the last 15 minutes, from the HTTP API's per-route metrics in one GetMetricData call.
/// </summary>
/// <remarks>
/// moto 5.2.1 answers GetMetricData's sums from PutMetricData, but a percentile statistic (p50, p99) makes it fail the whole
/// call (500: it computes none). So the proxy sends moto the call without the percentile queries and adds their answers, in
/// CloudWatch's own shape, to moto's; the percentiles' arithmetic is unit-tested.
/// </remarks>
public sealed partial class AwsStatusTests(MotoServer moto) : MotoTests(moto)
{
    static readonly IReadOnlyList<ServiceManifest> Services =
    [
        new() { Name = "fastapi", Port = 8000, RoutePrefix = "/api/fastapi" },
        new() { Name = "mcp", Port = 3000, RoutePrefix = "/api/mcp", Uses = ["fastapi"] },
    ];

    static readonly string FastApiProxy = HttpApiRoutes.For(Services[0])[0].RouteKey;
    static readonly string FastApiPrefix = HttpApiRoutes.For(Services[0])[1].RouteKey;
    static readonly string McpProxy = HttpApiRoutes.For(Services[1])[0].RouteKey;

    readonly DateTimeOffset now = DateTimeOffset.UtcNow;
    readonly List<string> metricRequests = [];

    async Task<string> StatusAsync(MotoEnvironment environment)
    {
        var output = new StringWriter();
        await new AwsOperations(environment.Context(Proxy.Endpoint)) { Clock = new FakeTimeProvider(now) }.StatusAsync(output, default);
        return output.ToString();
    }

    /// <summary>Percentile answers the proxy adds to moto's, by query id.</summary>
    void AnswerPercentiles(IReadOnlyDictionary<string, double> percentiles) => Proxy.When("GetMetricData", async call =>
    {
        metricRequests.Add(call.RequestBody);
        var reply = await call.ForwardBodyAsync(WithoutPercentileQueries(call.RequestBody));
        var added = string.Concat(percentiles.Select(p =>
            $"<member><Id>{p.Key}</Id><Label>Latency</Label><Timestamps><member>{now.AddMinutes(-15):yyyy-MM-dd'T'HH:mm:ss'Z'}</member></Timestamps>" +
            $"<Values><member>{p.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}</member></Values><StatusCode>Complete</StatusCode></member>"));
        return reply with { Body = reply.Body.Replace("</MetricDataResults>", added + "</MetricDataResults>", StringComparison.Ordinal) };
    });

    [Fact]
    public async Task Status_shows_each_services_requests_errors_and_latency_of_the_last_fifteen_minutes_from_one_metrics_call()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);
        await environment.PutRouteMetricAsync(FastApiProxy, "Count", 30, now.AddMinutes(-5));
        await environment.PutRouteMetricAsync(FastApiProxy, "Count", 10, now.AddMinutes(-3));
        await environment.PutRouteMetricAsync(FastApiProxy, "4xx", 3, now.AddMinutes(-5));
        await environment.PutRouteMetricAsync(FastApiProxy, "5xx", 1, now.AddMinutes(-3));
        await environment.PutRouteMetricAsync(FastApiPrefix, "Count", 10, now.AddMinutes(-4));
        await environment.PutRouteMetricAsync(FastApiPrefix, "4xx", 1, now.AddMinutes(-4));
        await environment.PutRouteMetricAsync(McpProxy, "Count", 5, now.AddMinutes(-2));
        // Neither before the window nor another API's traffic counts.
        await environment.PutRouteMetricAsync(FastApiProxy, "Count", 1000, now.AddMinutes(-20));
        await environment.PutRouteMetricAsync(FastApiProxy, "Count", 500, now.AddMinutes(-4), apiId: "another0api");
        AnswerPercentiles(new Dictionary<string, double>
        {
            ["s0r0_p50"] = 12, ["s0r0_p99"] = 250, ["s0r1_p50"] = 3, ["s0r1_p99"] = 5, ["s1r0_p50"] = 8.5, ["s1r0_p99"] = 40,
        });

        var status = await StatusAsync(environment);

        var lines = status.Split('\n').Select(l => l.TrimEnd()).ToList();
        lines.Should().Contain(l => l.StartsWith("Traffic of the last 15 minutes (API Gateway per-route metrics of HTTP API " + environment.ApiId, StringComparison.Ordinal));
        lines.Should().ContainMatch("Service*Requests*4xx*5xx*Error rate*p50*p99");
        lines.Should().Contain(l => Regex.IsMatch(l, @"^fastapi\s+50\s+4\s+1\s+10\.0 %\s+12 ms\s+250 ms$"), "fastapi's routes add up; latency is its busiest route's");
        lines.Should().Contain(l => Regex.IsMatch(l, @"^mcp\s+5\s+0\s+0\s+0\.0 %\s+8\.5 ms\s+40 ms$"));
        status.Should().Contain("Stack " + DeploymentNames.SharedStack(environment.Environment), "the stacks' table comes first");

        metricRequests.Should().ContainSingle("one GetMetricData call reads every figure");
        var form = HttpUtility.ParseQueryString(metricRequests[0]);
        var ids = form.AllKeys.Where(k => k!.EndsWith(".Id", StringComparison.Ordinal)).Select(k => form[k]).ToList();
        ids.Should().HaveCount(Services.Sum(s => HttpApiRoutes.For(s).Count) * 5);
        form.AllKeys.Where(k => k!.EndsWith(".Dimensions.member.3.Value", StringComparison.Ordinal)).Select(k => form[k]).Distinct()
            .Should().BeEquivalentTo(Services.SelectMany(HttpApiRoutes.For).Select(r => r.RouteKey));
        form.AllKeys.Where(k => k!.EndsWith(".Dimensions.member.1.Value", StringComparison.Ordinal)).Select(k => form[k]).Distinct().Should().Equal(environment.ApiId);
        form.AllKeys.Where(k => k!.EndsWith(".MetricStat.Period", StringComparison.Ordinal)).Select(k => form[k]).Distinct().Should().Equal("900");
    }

    [Fact]
    public async Task Without_datapoints_every_service_shows_no_requests_and_unknown_latency_and_says_why_there_may_be_none()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);
        AnswerPercentiles(new Dictionary<string, double>());

        var lines = (await StatusAsync(environment)).Split('\n').Select(l => l.TrimEnd()).ToList();

        lines.Should().Contain(l => Regex.IsMatch(l, @"^fastapi\s+0\s+0\s+0\s+-\s+-\s+-$"));
        lines.Should().Contain(l => Regex.IsMatch(l, @"^mcp\s+0\s+0\s+0\s+-\s+-\s+-$"));
        lines.Should().Contain(l => l.StartsWith("No requests counted: none came in that time, or the API's stage publishes no per-route metrics", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Credentials_without_GetMetricData_leave_the_table_and_say_which_permission_the_figures_need()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);
        Proxy.Fail("GetMetricData", 10, MotoFaultProxy.QueryError(403, "AccessDenied",
            "User: arn:aws:sts::123456789012:assumed-role/dev-readonly/me is not authorized to perform: cloudwatch:GetMetricData because no identity-based policy allows the cloudwatch:GetMetricData action"));

        var status = await StatusAsync(environment);

        status.Should().Contain("Stack " + DeploymentNames.SharedStack(environment.Environment)).And.MatchRegex(@"(?m)^\s+fastapi\s+CREATE_COMPLETE");
        status.Should().Contain("traffic figures unavailable: AccessDenied: User: arn:aws:sts::123456789012:assumed-role/dev-readonly/me is not authorized to perform: cloudwatch:GetMetricData")
            .And.Contain("the credentials Status runs with need cloudwatch:GetMetricData");
        status.Should().NotContain("Traffic of the last");
    }

    /// <summary>The GetMetricData form without its percentile queries, the rest numbered again from one.</summary>
    static string WithoutPercentileQueries(string body)
    {
        var form = HttpUtility.ParseQueryString(body);
        var queries = form.AllKeys.OfType<string>().Select(k => QueryKey().Match(k)).Where(m => m.Success)
            .GroupBy(m => int.Parse(m.Groups["n"].Value), m => (Key: m.Value, Field: m.Groups["rest"].Value))
            .OrderBy(g => g.Key)
            .Where(g => !form[$"MetricDataQueries.member.{g.Key}.MetricStat.Stat"]!.StartsWith('p'))
            .ToList();
        var pairs = form.AllKeys.OfType<string>().Where(k => !QueryKey().IsMatch(k)).Select(k => (Key: k, Value: form[k]!)).ToList();
        for (var i = 0; i < queries.Count; i++)
            pairs.AddRange(queries[i].Select(q => (Key: $"MetricDataQueries.member.{i + 1}.{q.Field}", Value: form[q.Key]!)));
        return string.Join("&", pairs.Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}"));
    }

    [GeneratedRegex(@"^MetricDataQueries\.member\.(?<n>\d+)\.(?<rest>.+)$")]
    private static partial Regex QueryKey();
}
