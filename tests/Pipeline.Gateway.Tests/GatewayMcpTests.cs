using System.ComponentModel;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Pipeline.Gateway.Tests;

public sealed class GatewayMcpTests
{
    [McpServerToolType]
    public sealed class GreetingTools
    {
        [McpServerTool, Description("Greets someone by name.")]
        public static string Greet(string name) => $"hello, {name}";
    }

    [Fact]
    public async Task An_mcp_client_with_a_token_lists_and_calls_tools_through_the_gateway_over_streamable_http()
    {
        using var services = new ServicesFolder("mcp");
        await using var mcpServer = await LocalServer.StartUpstreamAsync(
            app => app.MapMcp(),
            s => s.AddMcpServer().WithHttpTransport().WithTools<GreetingTools>());
        await using var gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri> { ["mcp"] = mcpServer.BaseAddress });

        var token = await TestIssuer.TokenAsync(gateway.BaseAddress);

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(gateway.BaseAddress, "/api/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        }));
        var tools = await client.ListToolsAsync();
        var result = await client.CallToolAsync("greet", new Dictionary<string, object?> { ["name"] = "gateway" });

        tools.Select(t => t.Name).Should().Contain("greet");
        result.IsError.Should().NotBe(true);
        result.Content.OfType<TextContentBlock>().Single().Text.Should().Be("hello, gateway");
    }
}
