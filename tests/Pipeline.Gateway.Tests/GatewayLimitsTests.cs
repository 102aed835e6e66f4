using System.Net;
using System.Text.Json;

namespace Pipeline.Gateway.Tests;

/// <summary>
/// API Gateway's own limits, as the local gateway enforces them on the API routes: a body over 10 MB gets 413 before it
/// is forwarded, a service that takes longer than the integration timeout gets the caller a 504; the internal routes
/// (the private load balancer's stand-in) have neither limit.
/// </summary>
public sealed class GatewayLimitsTests : IAsyncLifetime
{
    const int Megabyte = 1024 * 1024;

    readonly ServicesFolder services = new("upload");
    readonly List<long> received = [];
    LocalServer upstream = null!;
    LocalServer gateway = null!;
    HttpClient http = null!;
    LocalServer uploadGateway = null!;
    HttpClient uploadHttp = null!;

    public async Task InitializeAsync()
    {
        upstream = await LocalServer.StartUpstreamAsync(app =>
        {
            app.MapPost("/size", async (HttpContext c) =>
            {
                var length = 0L;
                var buffer = new byte[81920];
                int read;
                while ((read = await c.Request.Body.ReadAsync(buffer, c.RequestAborted)) > 0)
                    length += read;
                lock (received) received.Add(length);
                return Results.Json(new { length });
            });
            app.MapGet("/slow", async (HttpContext c) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(4), c.RequestAborted);
                return Results.Json(new { answered = "late" });
            });
        }, s => s.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = null));
        // The activity timeout stays at its default: only the integration timeout can end the slow request here.
        gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri> { ["upload"] = upstream.BaseAddress },
            integrationTimeout: TimeSpan.FromMilliseconds(300));
        http = await TestIssuer.AuthorizedClientAsync(gateway.BaseAddress);
        // The body limit is tested with the real integration timeout: moving 10 MB through two hops can take longer than
        // the short one the timeout tests use, on a busy machine.
        uploadGateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri> { ["upload"] = upstream.BaseAddress });
        uploadHttp = await TestIssuer.AuthorizedClientAsync(uploadGateway.BaseAddress);
    }

    [Fact]
    public async Task Eleven_megabytes_with_a_content_length_get_413_with_a_json_reason_and_never_reach_the_service()
    {
        using var response = await uploadHttp.PostAsync("/api/upload/size", new ByteArrayContent(new byte[11 * Megabyte]));

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("error").GetString().Should().Be("payload too large");
        body.GetProperty("reason").GetString().Should().Be(
            $"API Gateway accepts request bodies of at most {10 * Megabyte} bytes (10 MB); this one is {11 * Megabyte} bytes. Send a smaller body.");
        received.Should().BeEmpty();
    }

    [Fact]
    public async Task Eleven_megabytes_without_a_length_are_cut_at_10_mb_and_get_413()
    {
        using var content = new StreamContent(new MemoryStream(new byte[11 * Megabyte]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/upload/size") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await uploadHttp.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge, await response.Content.ReadAsStringAsync());
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("reason").GetString()
            .Should().StartWith($"API Gateway accepts request bodies of at most {10 * Megabyte} bytes");
        received.Should().NotContain(length => length > 10 * Megabyte, "nothing past the limit is forwarded");
    }

    [Fact]
    public async Task Ten_megabytes_exactly_are_forwarded()
    {
        using var response = await uploadHttp.PostAsync("/api/upload/size", new ByteArrayContent(new byte[10 * Megabyte]));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        received.Should().Equal(10 * Megabyte);
    }

    [Fact]
    public async Task A_service_slower_than_the_integration_timeout_gets_the_caller_a_504_that_names_the_limit()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await http.GetAsync("/api/upload/slow");

        response.StatusCode.Should().Be(HttpStatusCode.GatewayTimeout);
        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3), "the gateway answers at the integration timeout, not when the service does (after 4 s)");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("error").GetString().Should().Be("upstream timeout");
        body.GetProperty("service").GetString().Should().Be("upload");
        body.GetProperty("detail").GetString().Should().Contain("did not answer within the integration timeout (0.3 s, API Gateway's limit for an HTTP API)");
    }

    [Fact]
    public async Task The_internal_routes_have_neither_limit_as_the_private_load_balancer_has_none()
    {
        using var anonymous = new HttpClient { BaseAddress = gateway.BaseAddress };

        using var large = await anonymous.PostAsync("/_internal/upload/size", new ByteArrayContent(new byte[11 * Megabyte]));
        using var slow = await anonymous.GetAsync("/_internal/upload/slow");

        large.StatusCode.Should().Be(HttpStatusCode.OK);
        received.Should().Equal(11 * Megabyte);
        slow.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public void The_default_integration_timeout_is_the_http_apis_30_seconds()
    {
        GatewayOptions.Parse(["--services-dir", "."]).IntegrationTimeout.Should().Be(TimeSpan.FromSeconds(30));
        new GatewayOptions { ServicesDirectory = "." }.IntegrationTimeout.Should().Be(TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        uploadHttp.Dispose();
        await gateway.DisposeAsync();
        await uploadGateway.DisposeAsync();
        await upstream.DisposeAsync();
        services.Dispose();
    }
}
