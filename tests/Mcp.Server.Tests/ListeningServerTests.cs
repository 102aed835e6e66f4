using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace Mcp.Server.Tests;

/// <summary>The running server (in this process, and as its own process) listens where the precedence says, on 127.0.0.1 only.</summary>
// Starts the server as a process of its own: CI runs it, not the inner loop (./build.sh Dev) after every save.
[Trait("Category", "Integration")]
public sealed class ListeningServerTests
{
    [Fact]
    public async Task Kestrel_binds_aspnetcore_urls_when_port_is_empty_and_the_health_check_finds_it()
    {
        await using var server = await RunningMcpServer.StartAsync(null, settingsOverrides: new Dictionary<string, string?>
        {
            ["PORT"] = "",
            [WebHostDefaults.ServerUrlsKey] = "http://127.0.0.1:0",
        });
        var output = new StringWriter();

        var exitCode = await HealthCheckCommand.RunAsync(
            Configuration((WebHostDefaults.ServerUrlsKey, $"http://+:{server.BaseAddress.Port}")), output);

        server.BaseAddress.Host.Should().Be("127.0.0.1");
        server.BaseAddress.Port.Should().NotBe(0);
        exitCode.Should().Be(0, output.ToString());
        output.ToString().Should().Contain($"http://127.0.0.1:{server.BaseAddress.Port}/health -> 200");
    }

    [Fact]
    public async Task Port_wins_over_aspnetcore_urls_in_the_running_server()
    {
        var ignoredPort = McpServerProcess.FreePort();

        await using var server = await RunningMcpServer.StartAsync(null, settingsOverrides: new Dictionary<string, string?>
        {
            ["PORT"] = "0",
            [WebHostDefaults.ServerUrlsKey] = $"http://127.0.0.1:{ignoredPort}",
        });

        server.BaseAddress.Port.Should().NotBe(ignoredPort);
        IsListening(ignoredPort).Should().BeFalse();
    }

    [Fact]
    public async Task The_server_process_listens_on_aspnetcore_urls_without_port_and_answers_its_health_path()
    {
        var port = McpServerProcess.FreePort();
        await using var issuer = await TestIssuer.StartAsync();
        var environment = new Dictionary<string, string>(issuer.ServerEnvironment)
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            // Unused while ASPNETCORE_URLS decides; keeps a regression to the default port off the other interfaces.
            ["BIND_ADDRESS"] = "127.0.0.1",
        };

        await using var server = McpServerProcess.Start(environment);
        await server.WaitUntilHealthyAsync(new Uri($"http://127.0.0.1:{port}/health"));
        var (exitCode, output) = await McpServerProcess.RunHealthCheckAsync(environment);

        exitCode.Should().Be(0, output);
        output.Should().Contain($"http://127.0.0.1:{port}/health -> 200");
        server.Output.Should().NotContain("PORT wins");
    }

    [Fact]
    public async Task The_server_process_warns_once_that_port_wins_over_the_aspnetcore_variables_and_listens_on_port()
    {
        var port = McpServerProcess.FreePort();
        var ignoredPort = McpServerProcess.FreePort();
        await using var issuer = await TestIssuer.StartAsync();
        var environment = new Dictionary<string, string>(issuer.ServerEnvironment)
        {
            ["PORT"] = port.ToString(),
            ["BIND_ADDRESS"] = "127.0.0.1",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ignoredPort}",
            ["ASPNETCORE_HTTP_PORTS"] = ignoredPort.ToString(),
        };

        await using var server = McpServerProcess.Start(environment);
        await server.WaitUntilHealthyAsync(new Uri($"http://127.0.0.1:{port}/health"));
        var (exitCode, output) = await McpServerProcess.RunHealthCheckAsync(environment);

        IsListening(ignoredPort).Should().BeFalse();
        exitCode.Should().Be(0, output);
        output.Should().Contain($"http://127.0.0.1:{port}/health -> 200");
        JsonLogLines.Parse(server.Output).Where(line => line.GetProperty("level").GetString() == "warning")
            .Should().ContainSingle(server.Output).Which.GetProperty("message").GetString().Should().StartWith(
            $"PORT={port} is set together with ASPNETCORE_URLS=http://127.0.0.1:{ignoredPort} and ASPNETCORE_HTTP_PORTS={ignoredPort}; " +
            $"PORT wins, so the server listens on http://127.0.0.1:{port} and ignores ASPNETCORE_URLS and ASPNETCORE_HTTP_PORTS.");
    }

    private static bool IsListening(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value))).Build();
}
