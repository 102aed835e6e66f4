using System.Net;

namespace Pipeline.Gateway.Tests;

public sealed class GatewayStreamingTests
{
    [Fact]
    public async Task Server_sent_events_reach_the_client_one_by_one_without_buffering()
    {
        using var services = new ServicesFolder("events");
        var clientSawFirstEvent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await LocalServer.StartUpstreamAsync(app => app.MapGet("/stream", async (HttpContext c) =>
        {
            c.Response.ContentType = "text/event-stream";
            await c.Response.WriteAsync("data: first\n\n");
            await c.Response.Body.FlushAsync();
            // The second event is only sent once the client has seen the first: a buffering proxy would deadlock here.
            await clientSawFirstEvent.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await c.Response.WriteAsync("data: second\n\n");
        }));
        await using var gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri> { ["events"] = upstream.BaseAddress });
        using var client = await TestIssuer.AuthorizedClientAsync(gateway.BaseAddress, TimeSpan.FromSeconds(20));

        using var response = await client.GetAsync("/api/events/stream", HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var first = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5));
        first.Should().Be("data: first");
        clientSawFirstEvent.SetResult();
        await reader.ReadLineAsync();
        var second = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5));
        second.Should().Be("data: second");
    }

    [Fact]
    public async Task A_large_request_body_is_forwarded_intact()
    {
        using var services = new ServicesFolder("upload");
        await using var upstream = await LocalServer.StartUpstreamAsync(app => app.MapPost("/size", async (HttpContext c) =>
        {
            using var sink = new MemoryStream();
            await c.Request.Body.CopyToAsync(sink);
            return Results.Text(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(sink.ToArray())));
        }));
        await using var gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri> { ["upload"] = upstream.BaseAddress });
        var payload = new byte[3 * 1024 * 1024];
        Random.Shared.NextBytes(payload);

        using var http = await TestIssuer.AuthorizedClientAsync(gateway.BaseAddress);
        var response = await http.PostAsync("/api/upload/size", new ByteArrayContent(payload));

        (await response.Content.ReadAsStringAsync()).Should().Be(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(payload)));
    }
}
