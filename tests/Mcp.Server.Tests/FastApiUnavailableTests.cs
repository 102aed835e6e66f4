using System.Net;
using System.Net.Sockets;
using ModelContextProtocol.Protocol;

namespace Mcp.Server.Tests;

// Starts the server in this process for each test: CI runs it, not the inner loop (./build.sh Dev) after every save.
[Trait("Category", "Integration")]
public sealed class FastApiUnavailableTests
{
    [Fact]
    public async Task An_unreachable_fastapi_service_is_reported_as_a_tool_error_naming_its_url()
    {
        var closedPort = FreePort();
        await using var server = await RunningMcpServer.StartAsync(new Uri($"http://127.0.0.1:{closedPort}"));
        await using var client = await server.ConnectAsync();

        var result = await client.CallToolAsync("compute_statistics", new Dictionary<string, object?> { ["values"] = new[] { 1.0 } });

        result.IsError.Should().BeTrue();
        Text(result).Should().Contain("cannot be reached").And.Contain($"127.0.0.1:{closedPort}").And.Contain("SERVICE_URL_FASTAPI");
    }

    [Fact]
    public async Task Without_a_configured_fastapi_url_the_tool_error_says_which_variable_to_set()
    {
        await using var server = await RunningMcpServer.StartAsync(fastApiBaseUrl: null);
        await using var client = await server.ConnectAsync();

        var result = await client.CallToolAsync("analyze_text", new Dictionary<string, object?> { ["text"] = "hello" });

        result.IsError.Should().BeTrue();
        Text(result).Should().Contain("Set SERVICE_URL_FASTAPI");
    }

    [Fact]
    public async Task Tools_that_do_not_need_fastapi_keep_working_without_it()
    {
        await using var server = await RunningMcpServer.StartAsync(fastApiBaseUrl: null);
        await using var client = await server.ConnectAsync();

        var result = await client.CallToolAsync("hash_text", new Dictionary<string, object?> { ["text"] = "", ["algorithm"] = "md5" });

        result.IsError.Should().NotBe(true);
        Text(result).Should().Be("d41d8cd98f00b204e9800998ecf8427e");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Text(CallToolResult result) =>
        string.Join("\n", result.Content.OfType<TextContentBlock>().Select(block => block.Text));
}
