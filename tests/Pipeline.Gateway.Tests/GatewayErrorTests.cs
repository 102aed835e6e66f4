using System.Net;
using System.Text.Json;

namespace Pipeline.Gateway.Tests;

public sealed class GatewayErrorTests
{
    [Fact]
    public async Task A_service_that_is_down_gives_a_502_naming_the_service_and_its_upstream()
    {
        using var services = new ServicesFolder("down");
        var deadUpstream = new Uri($"http://127.0.0.1:{LocalServer.UnusedPort()}/");
        await using var gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri> { ["down"] = deadUpstream });

        var response = await new HttpClient().GetAsync(new Uri(gateway.BaseAddress, "/api/down/health"));

        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("error").GetString().Should().Be("upstream unavailable");
        body.GetProperty("service").GetString().Should().Be("down");
        body.GetProperty("upstream").GetString().Should().Be(deadUpstream.ToString());
        body.GetProperty("detail").GetString().Should().Contain("Logs --service down");
    }

    [Fact]
    public async Task A_service_that_stays_silent_past_the_activity_timeout_gives_a_504()
    {
        using var services = new ServicesFolder("slow");
        await using var upstream = await LocalServer.StartUpstreamAsync(app => app.MapGet("/slow", async (HttpContext c) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), c.RequestAborted);
            return Results.Ok();
        }));
        await using var gateway = await LocalServer.StartGatewayAsync(
            services.Path, new Dictionary<string, Uri> { ["slow"] = upstream.BaseAddress }, activityTimeout: TimeSpan.FromMilliseconds(500));

        using var http = await TestIssuer.AuthorizedClientAsync(gateway.BaseAddress);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var response = await http.GetAsync("/api/slow/slow");

        response.StatusCode.Should().Be(HttpStatusCode.GatewayTimeout);
        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("error").GetString().Should().Be("upstream timeout");
        body.GetProperty("service").GetString().Should().Be("slow");
    }

    [Fact]
    public void The_default_activity_timeout_matches_the_http_api_integration_limit()
    {
        GatewayOptions.Parse(["--services-dir", "."]).ActivityTimeout.Should().Be(TimeSpan.FromSeconds(30));
    }
}
