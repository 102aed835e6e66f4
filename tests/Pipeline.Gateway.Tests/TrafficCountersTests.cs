using Microsoft.Extensions.Time.Testing;
using Pipeline.Gateway.AccessLog;
using Pipeline.Manifests;

namespace Pipeline.Gateway.Tests;

public sealed class TrafficCountersTests
{
    readonly FakeTimeProvider clock = new();

    [Fact]
    public void Figures_count_4xx_and_5xx_apart_and_give_nearest_rank_percentiles()
    {
        var counters = new TrafficCounters(clock);
        for (var i = 1; i <= 100; i++)
            counters.Record("api", i <= 5 ? 503 : i <= 15 ? 404 : 200, i);

        var figures = counters.Read().Single();

        figures.Should().Be(new ServiceFigures("api", 100, 10, 5, 50, 99));
    }

    [Fact]
    public void A_request_older_than_the_window_no_longer_counts()
    {
        var counters = new TrafficCounters(clock);
        counters.Record("api", 200, 10);
        clock.Advance(TimeSpan.FromMinutes(10));
        counters.Record("api", 500, 30);
        clock.Advance(TimeSpan.FromMinutes(6));

        counters.Read().Single().Should().Be(new ServiceFigures("api", 1, 0, 1, 30, 30));
    }

    [Fact]
    public void Without_requests_there_is_no_latency()
    {
        TrafficCounters.Percentile([], 50).Should().BeNull();
        new TrafficCounters(clock).Read().Should().BeEmpty();
    }
}

public sealed class RouteKeysTests
{
    readonly RouteKeys keys;

    public RouteKeysTests()
    {
        using var folder = new ServicesFolder("api", "mcp")
            .Declare("api", """ "publicPaths": ["/docs", "/static/*"] """)
            .Declare("mcp", """ "resourceMetadataPath": "/.well-known/oauth-protected-resource" """);
        keys = new RouteKeys(ServiceCatalog.Load(folder.Path));
    }

    [Theory]
    [InlineData("api", "GET", "/api/api", "ANY /api/api")]
    [InlineData("api", "POST", "/api/api/compute/statistics", "ANY /api/api/{proxy+}")]
    [InlineData("api", "GET", "/api/api/docs", "ANY /api/api/docs")]
    [InlineData("api", "GET", "/api/api/docs/more", "ANY /api/api/{proxy+}")]
    [InlineData("api", "GET", "/api/api/static/app.js", "ANY /api/api/static/{proxy+}")]
    [InlineData("api", "GET", "/api/api/health", "ANY /api/api/health")]
    [InlineData("mcp", "GET", "/.well-known/oauth-protected-resource/api/mcp/mcp", "GET /.well-known/oauth-protected-resource/api/mcp/{proxy+}")]
    [InlineData("mcp", "POST", "/.well-known/oauth-protected-resource/api/mcp/mcp", "-")]
    [InlineData("nope", "GET", "/api/nope", "-")]
    public void The_route_key_is_the_one_api_gateway_would_match(string service, string method, string path, string expected) =>
        keys.Of(service, method, path).Should().Be(expected);
}
