using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Operations;
using Pipeline.Build.Deployment;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Aws.Operations;

/// <summary>
/// The traffic figures of <c>Status</c> on AWS: the per-route metric queries of one GetMetricData call (ids, dimensions,
/// statistics, period), their form parameters, the window, and each service's figures from the answers.
/// </summary>
public sealed class EnvironmentTrafficTests
{
    static readonly ServiceManifest FastApi = new() { Name = "fastapi", Port = 8000, RoutePrefix = "/api/fastapi", PublicPaths = ["/docs"] };
    static readonly ServiceManifest Mcp = new() { Name = "mcp", Port = 3000, RoutePrefix = "/api/mcp" };
    static readonly IReadOnlyList<ServiceManifest> Services = [FastApi, Mcp];

    [Fact]
    public void Each_route_of_each_service_gets_its_count_4xx_5xx_sums_and_p50_p99_latency_over_the_whole_window()
    {
        var queries = EnvironmentTraffic.Queries("a1b2c3d4e5", Services);

        var routes = Services.SelectMany(HttpApiRoutes.For).ToList();
        queries.Should().HaveCount(routes.Count * 5);
        queries.Select(q => q.Id).Should().OnlyHaveUniqueItems().And.AllSatisfy(id => id.Should().MatchRegex("^[a-z][a-zA-Z0-9_]*$"));
        queries.Should().AllSatisfy(q =>
        {
            q.Namespace.Should().Be("AWS/ApiGateway");
            q.Period.Should().Be(TimeSpan.FromMinutes(15));
        });
        queries.Take(5).Select(q => (q.Id, q.MetricName, q.Stat)).Should().Equal(
            ("s0r0_count", "Count", "Sum"), ("s0r0_4xx", "4xx", "Sum"), ("s0r0_5xx", "5xx", "Sum"), ("s0r0_p50", "Latency", "p50"), ("s0r0_p99", "Latency", "p99"));
        queries[0].Dimensions.Should().Equal(new MetricDimension("ApiId", "a1b2c3d4e5"), new MetricDimension("Stage", "$default"),
            new MetricDimension("Route", "ANY /api/fastapi/{proxy+}"));
        queries.Select(q => q.Dimensions.Single(d => d.Name == "Route").Value).Distinct().Should().Equal(routes.Select(r => r.RouteKey),
            "every route of the services, the token-guarded {proxy+} and prefix routes and the public ones");
    }

    [Fact]
    public void The_form_parameters_number_queries_and_dimensions_from_one_as_the_query_protocol_does()
    {
        var start = new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);
        var parameters = CloudWatchClient.Parameters(EnvironmentTraffic.Queries("a1b2c3d4e5", [Mcp]).Take(2).ToList(), start, start.AddMinutes(15), null);

        parameters.Should().Equal(
            new("StartTime", "2026-12-07T01:00:00Z"),
            new("EndTime", "2026-12-07T01:15:00Z"),
            new("ScanBy", "TimestampAscending"),
            new("MetricDataQueries.member.1.Id", "s0r0_count"),
            new("MetricDataQueries.member.1.MetricStat.Metric.Namespace", "AWS/ApiGateway"),
            new("MetricDataQueries.member.1.MetricStat.Metric.MetricName", "Count"),
            new("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name", "ApiId"),
            new("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value", "a1b2c3d4e5"),
            new("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Name", "Stage"),
            new("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Value", "$default"),
            new("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.3.Name", "Route"),
            new("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.3.Value", "ANY /api/mcp/{proxy+}"),
            new("MetricDataQueries.member.1.MetricStat.Period", "900"),
            new("MetricDataQueries.member.1.MetricStat.Stat", "Sum"),
            new("MetricDataQueries.member.1.ReturnData", "true"),
            new("MetricDataQueries.member.2.Id", "s0r0_4xx"),
            new("MetricDataQueries.member.2.MetricStat.Metric.Namespace", "AWS/ApiGateway"),
            new("MetricDataQueries.member.2.MetricStat.Metric.MetricName", "4xx"),
            new("MetricDataQueries.member.2.MetricStat.Metric.Dimensions.member.1.Name", "ApiId"),
            new("MetricDataQueries.member.2.MetricStat.Metric.Dimensions.member.1.Value", "a1b2c3d4e5"),
            new("MetricDataQueries.member.2.MetricStat.Metric.Dimensions.member.2.Name", "Stage"),
            new("MetricDataQueries.member.2.MetricStat.Metric.Dimensions.member.2.Value", "$default"),
            new("MetricDataQueries.member.2.MetricStat.Metric.Dimensions.member.3.Name", "Route"),
            new("MetricDataQueries.member.2.MetricStat.Metric.Dimensions.member.3.Value", "ANY /api/mcp/{proxy+}"),
            new("MetricDataQueries.member.2.MetricStat.Period", "900"),
            new("MetricDataQueries.member.2.MetricStat.Stat", "Sum"),
            new("MetricDataQueries.member.2.ReturnData", "true"));
    }

    [Fact]
    public void The_window_is_the_last_fifteen_whole_minutes()
    {
        var (start, end) = EnvironmentTraffic.WindowEndingAt(new DateTimeOffset(2026, 12, 7, 1, 17, 42, 500, TimeSpan.FromHours(1)));

        end.Should().Be(new DateTimeOffset(2026, 12, 7, 0, 17, 0, TimeSpan.Zero));
        start.Should().Be(end - ServiceTrafficTable.Window);
    }

    [Fact]
    public void Requests_and_errors_add_up_over_a_services_routes_and_latency_is_its_busiest_routes()
    {
        MetricDataResult Result(string id, params double[] values) => new(id, values, "Complete");
        // fastapi: route 0 ({proxy+}) 30 requests, route 1 (prefix) 50, its docs route 5; mcp: none.
        var traffic = EnvironmentTraffic.TrafficOf(Services,
        [
            Result("s0r0_count", 20, 10), Result("s0r0_4xx", 2), Result("s0r0_5xx", 1), Result("s0r0_p50", 11), Result("s0r0_p99", 90),
            Result("s0r1_count", 50), Result("s0r1_4xx", 5), Result("s0r1_5xx"), Result("s0r1_p50", 7.5), Result("s0r1_p99", 40, 60),
            Result("s0r3_count", 5), Result("s0r3_p50", 2), Result("s0r3_p99", 3),
        ]);

        traffic.Should().Equal(
            new ServiceTraffic("fastapi", 85, 7, 1, 7.5, 60),
            new ServiceTraffic("mcp", 0, 0, 0, null, null));
        traffic[0].ErrorRate.Should().BeApproximately(8.0 / 85, 1e-9);
    }

    [Fact]
    public void A_busiest_route_without_a_latency_datapoint_leaves_latency_unknown()
    {
        var traffic = EnvironmentTraffic.TrafficOf([Mcp], [new MetricDataResult("s0r0_count", [3], "Complete")]);

        traffic.Single().Should().Be(new ServiceTraffic("mcp", 3, 0, 0, null, null));
    }

    [Theory]
    [InlineData("https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", "a1b2c3d4e5")]
    [InlineData("https://a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn/", "a1b2c3d4e5")]
    [InlineData("https://api.example.com", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void The_api_id_is_the_first_label_of_its_execute_api_endpoint(string? endpoint, string? apiId) =>
        EnvironmentTraffic.ApiIdOf(endpoint).Should().Be(apiId);
}
