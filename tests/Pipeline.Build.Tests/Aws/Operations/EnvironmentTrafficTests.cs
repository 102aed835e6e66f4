using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Operations;
using Pipeline.Build.Deployment;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Aws.Operations;

/// <summary>
/// The traffic figures of <c>Status</c> on AWS: which listed metrics are a service's route series (by <c>Route</c>, or by
/// <c>Resource</c> and <c>Method</c>), the queries of the one GetMetricData call (ids, dimensions, statistics, period), their form
/// parameters, the window, and each service's figures from the answers.
/// </summary>
public sealed class EnvironmentTrafficTests
{
    static readonly ServiceManifest FastApi = new() { Name = "fastapi", Port = 8000, RoutePrefix = "/api/fastapi", PublicPaths = ["/docs"] };
    static readonly ServiceManifest Mcp = new() { Name = "mcp", Port = 3000, RoutePrefix = "/api/mcp" };
    static readonly IReadOnlyList<ServiceManifest> Services = [FastApi, Mcp];

    static ListedMetric Metric(string name, params (string Name, string Value)[] dimensions) =>
        new(name, dimensions.Select(d => new MetricDimension(d.Name, d.Value)).ToList());

    static ListedMetric RouteMetric(string name, string route, string apiId = "a1b2c3d4e5", string stage = "$default") =>
        Metric(name, ("ApiId", apiId), ("Route", route), ("Stage", stage));

    static ListedMetric ResourceMetric(string name, string method, string resource, string apiId = "a1b2c3d4e5") =>
        Metric(name, ("Stage", "$default"), ("Resource", resource), ("Method", method), ("ApiId", apiId));

    [Fact]
    public void A_routes_series_is_found_by_its_route_key_once_whatever_metrics_it_has()
    {
        var series = EnvironmentTraffic.SeriesOf("a1b2c3d4e5", Services,
        [
            RouteMetric("Latency", "ANY /api/mcp/{proxy+}"),
            RouteMetric("Count", "ANY /api/mcp/{proxy+}"),
            RouteMetric("Count", "ANY /api/fastapi"),
            RouteMetric("DataProcessed", "ANY /api/fastapi/docs"),
        ]);

        series.Select(s => (s.Service, s.Route.RouteKey)).Should().Equal(("fastapi", "ANY /api/fastapi"), ("mcp", "ANY /api/mcp/{proxy+}"));
        series[1].Dimensions.Should().Equal(new MetricDimension("ApiId", "a1b2c3d4e5"), new MetricDimension("Route", "ANY /api/mcp/{proxy+}"),
            new MetricDimension("Stage", "$default"));
    }

    [Fact]
    public void By_resource_and_method_an_any_route_has_a_series_per_method_and_a_route_of_one_method_only_its_own()
    {
        var metadata = new ServiceManifest { Name = "mcp", Port = 3000, RoutePrefix = "/api/mcp", ResourceMetadataPath = "/.well-known/oauth-protected-resource" };
        var wellKnown = HttpApiRoutes.For(metadata).Single(r => r.Method == "GET").Path;

        var series = EnvironmentTraffic.SeriesOf("a1b2c3d4e5", [FastApi, metadata],
        [
            ResourceMetric("Count", "POST", "/api/fastapi/{proxy+}"),
            ResourceMetric("Count", "GET", "/api/fastapi/{proxy+}"),
            ResourceMetric("Count", "GET", wellKnown),
            ResourceMetric("Count", "POST", wellKnown),
        ]);

        series.Select(s => (s.Route.RouteKey, s.Dimensions.Single(d => d.Name == "Method").Value)).Should().Equal(
            ("ANY /api/fastapi/{proxy+}", "GET"), ("ANY /api/fastapi/{proxy+}", "POST"), ($"GET {wellKnown}", "GET"));
    }

    [Fact]
    public void Metrics_of_the_stage_as_a_whole_of_another_stage_or_api_or_of_a_route_no_service_has_are_left_out()
    {
        var series = EnvironmentTraffic.SeriesOf("a1b2c3d4e5", Services,
        [
            Metric("Count", ("ApiId", "a1b2c3d4e5"), ("Stage", "$default")),
            Metric("Count", ("ApiId", "a1b2c3d4e5")),
            RouteMetric("Count", "ANY /api/fastapi/{proxy+}", stage: "beta"),
            RouteMetric("Count", "ANY /api/fastapi/{proxy+}", apiId: "another0api"),
            RouteMetric("Count", "ANY /api/gone/{proxy+}"),
            ResourceMetric("Count", "GET", "/api/gone"),
        ]);

        series.Should().BeEmpty();
    }

    [Fact]
    public void Each_series_gets_its_count_4xx_5xx_sums_and_p50_p99_latency_over_the_whole_window()
    {
        var series = EnvironmentTraffic.SeriesOf("a1b2c3d4e5", Services,
            [RouteMetric("Count", "ANY /api/fastapi/{proxy+}"), ResourceMetric("Count", "ANY", "/api/mcp")]);

        var queries = EnvironmentTraffic.Queries(series);

        queries.Select(q => (q.Id, q.MetricName, q.Stat)).Should().Equal(
            ("m0_count", "Count", "Sum"), ("m0_4xx", "4xx", "Sum"), ("m0_5xx", "5xx", "Sum"), ("m0_p50", "Latency", "p50"), ("m0_p99", "Latency", "p99"),
            ("m1_count", "Count", "Sum"), ("m1_4xx", "4xx", "Sum"), ("m1_5xx", "5xx", "Sum"), ("m1_p50", "Latency", "p50"), ("m1_p99", "Latency", "p99"));
        queries.Should().AllSatisfy(q =>
        {
            q.Namespace.Should().Be("AWS/ApiGateway");
            q.Period.Should().Be(TimeSpan.FromMinutes(15));
            q.Id.Should().MatchRegex("^[a-z][a-zA-Z0-9_]*$");
        });
        queries[0].Dimensions.Should().Equal(series[0].Dimensions, "exactly the series ListMetrics named");
        queries[5].Dimensions.Should().Equal(new MetricDimension("ApiId", "a1b2c3d4e5"), new MetricDimension("Method", "ANY"),
            new MetricDimension("Resource", "/api/mcp"), new MetricDimension("Stage", "$default"));
    }

    [Fact]
    public void The_form_parameters_number_queries_and_dimensions_from_one_as_the_query_protocol_does()
    {
        var start = new DateTimeOffset(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);
        var series = EnvironmentTraffic.SeriesOf("a1b2c3d4e5", [Mcp], [RouteMetric("Count", "ANY /api/mcp/{proxy+}")]);
        var parameters = CloudWatchClient.Parameters(EnvironmentTraffic.Queries(series).Take(2).ToList(), start, start.AddMinutes(15), null);

        parameters.Should().Equal(
            new("StartTime", "2026-12-07T01:00:00Z"),
            new("EndTime", "2026-12-07T01:15:00Z"),
            new("ScanBy", "TimestampAscending"),
            new("MetricDataQueries.member.1.Id", "m0_count"),
            new("MetricDataQueries.member.1.MetricStat.Metric.Namespace", "AWS/ApiGateway"),
            new("MetricDataQueries.member.1.MetricStat.Metric.MetricName", "Count"),
            new("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name", "ApiId"),
            new("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value", "a1b2c3d4e5"),
            new("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Name", "Route"),
            new("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Value", "ANY /api/mcp/{proxy+}"),
            new("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.3.Name", "Stage"),
            new("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.3.Value", "$default"),
            new("MetricDataQueries.member.1.MetricStat.Period", "900"),
            new("MetricDataQueries.member.1.MetricStat.Stat", "Sum"),
            new("MetricDataQueries.member.1.ReturnData", "true"),
            new("MetricDataQueries.member.2.Id", "m0_4xx"),
            new("MetricDataQueries.member.2.MetricStat.Metric.Namespace", "AWS/ApiGateway"),
            new("MetricDataQueries.member.2.MetricStat.Metric.MetricName", "4xx"),
            new("MetricDataQueries.member.2.MetricStat.Metric.Dimensions.member.1.Name", "ApiId"),
            new("MetricDataQueries.member.2.MetricStat.Metric.Dimensions.member.1.Value", "a1b2c3d4e5"),
            new("MetricDataQueries.member.2.MetricStat.Metric.Dimensions.member.2.Name", "Route"),
            new("MetricDataQueries.member.2.MetricStat.Metric.Dimensions.member.2.Value", "ANY /api/mcp/{proxy+}"),
            new("MetricDataQueries.member.2.MetricStat.Metric.Dimensions.member.3.Name", "Stage"),
            new("MetricDataQueries.member.2.MetricStat.Metric.Dimensions.member.3.Value", "$default"),
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
    public void Requests_and_errors_add_up_over_a_services_series_and_latency_is_its_busiest_series()
    {
        MetricDataResult Result(string id, params double[] values) => new(id, values, "Complete");
        // fastapi: {proxy+} by GET 30 requests, by POST 50, its docs route 5; mcp: listed, but no datapoint in the window.
        var series = EnvironmentTraffic.SeriesOf("a1b2c3d4e5", Services,
        [
            ResourceMetric("Count", "GET", "/api/fastapi/{proxy+}"), ResourceMetric("Count", "POST", "/api/fastapi/{proxy+}"),
            RouteMetric("Count", "ANY /api/fastapi/docs"), RouteMetric("Count", "ANY /api/mcp/{proxy+}"),
        ]);
        series.Select(s => s.Route.RouteKey).Should().Equal("ANY /api/fastapi/{proxy+}", "ANY /api/fastapi/{proxy+}", "ANY /api/fastapi/docs", "ANY /api/mcp/{proxy+}");

        var traffic = EnvironmentTraffic.TrafficOf(Services, series,
        [
            Result("m0_count", 20, 10), Result("m0_4xx", 2), Result("m0_5xx", 1), Result("m0_p50", 11), Result("m0_p99", 90),
            Result("m1_count", 50), Result("m1_4xx", 5), Result("m1_5xx"), Result("m1_p50", 7.5), Result("m1_p99", 40, 60),
            Result("m2_count", 5), Result("m2_p50", 2), Result("m2_p99", 3),
            Result("m3_count"), Result("m3_p50"),
        ]);

        traffic.Should().Equal(
            new ServiceTraffic("fastapi", 85, 7, 1, 7.5, 60),
            new ServiceTraffic("mcp", 0, 0, 0, null, null));
        traffic[0].ErrorRate.Should().BeApproximately(8.0 / 85, 1e-9);
    }

    [Fact]
    public void A_busiest_series_without_a_latency_datapoint_leaves_latency_unknown_and_a_service_without_series_counts_nothing()
    {
        var series = EnvironmentTraffic.SeriesOf("a1b2c3d4e5", Services, [RouteMetric("Count", "ANY /api/mcp")]);

        var traffic = EnvironmentTraffic.TrafficOf(Services, series, [new MetricDataResult("m0_count", [3], "Complete")]);

        traffic.Should().Equal(new ServiceTraffic("fastapi", 0, 0, 0, null, null), new ServiceTraffic("mcp", 3, 0, 0, null, null));
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
