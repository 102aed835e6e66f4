using System.Text.Json;

namespace Pipeline.Gateway.Tests;

public sealed class GatewayReusePortTests
{
    [Fact]
    public async Task A_second_gateway_with_reuse_port_listens_on_the_port_the_first_still_holds_and_serves_alone_once_it_stops_accepting_the_first_ones_tokens()
    {
        using var services = new ServicesFolder("alpha");
        await using var upstream = await LocalServer.StartUpstreamAsync(app => app.MapGet("/", () => "ok"));
        var routes = new Dictionary<string, Uri> { ["alpha"] = upstream.BaseAddress };
        var port = LocalServer.UnusedPort();
        var first = await LocalServer.StartGatewayAsync(services.Path, routes, port: port, reusePort: true);
        // Issued by the first gateway, before the second exists: the environment's one key signs and verifies it on both.
        var token = await TestIssuer.TokenAsync(first.BaseAddress);

        await using var second = await LocalServer.StartGatewayAsync(services.Path, routes, port: port, reusePort: true);
        await first.DisposeAsync();

        // A new connection each time: every one must reach the gateway that is left.
        for (var i = 0; i < 20; i++)
        {
            using var http = new HttpClient();
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            (await http.GetStringAsync($"http://127.0.0.1:{port}/api/alpha")).Should().Be("ok");
        }
    }

    [Fact]
    public async Task Without_reuse_port_a_second_gateway_cannot_take_a_held_port()
    {
        using var services = new ServicesFolder("alpha");
        var port = LocalServer.UnusedPort();
        await using var first = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri>(), port: port);

        var second = () => LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri>(), port: port);

        await second.Should().ThrowAsync<IOException>();
    }

    [Fact]
    public async Task The_health_endpoint_names_the_process_that_answered()
    {
        using var services = new ServicesFolder("alpha");
        await using var gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri>());

        var health = JsonDocument.Parse(await new HttpClient().GetStringAsync(new Uri(gateway.BaseAddress, GatewayApp.HealthPath))).RootElement;

        health.GetProperty("pid").GetInt32().Should().Be(Environment.ProcessId);
        health.GetProperty("status").GetString().Should().Be("ok");
    }
}
