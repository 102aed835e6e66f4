using Mcp.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;

namespace Mcp.Server.Tests;

/// <summary>The real server, on Kestrel at 127.0.0.1 and a free port, configured as the platform would.</summary>
public sealed class RunningMcpServer : IAsyncDisposable
{
    public const string Version = "test-1";

    private readonly WebApplication _app;

    private RunningMcpServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public Uri McpEndpoint => new(BaseAddress, "/mcp");

    /// <param name="listenSettings">Replaces the defaults PORT=0, BIND_ADDRESS=127.0.0.1 and no ASPNETCORE_URLS / _HTTP_PORTS.</param>
    public static async Task<RunningMcpServer> StartAsync(
        Uri? fastApiBaseUrl, string? allowedOrigins = null, IReadOnlyDictionary<string, string?>? listenSettings = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["BIND_ADDRESS"] = "127.0.0.1",
            ["PORT"] = "0",
            // Keeps ASPNETCORE_URLS / ASPNETCORE_HTTP_PORTS of the test process's own environment out of the server.
            [WebHostDefaults.ServerUrlsKey] = "",
            [WebHostDefaults.HttpPortsKey] = "",
            ["SERVICE_VERSION"] = Version,
            ["SERVICE_URL_FASTAPI"] = fastApiBaseUrl?.AbsoluteUri.TrimEnd('/') ?? "",
            ["ALLOWED_ORIGINS"] = allowedOrigins ?? "",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in listenSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = McpServerApplication.Create([], settings);
        await app.StartAsync();
        var address = app.Urls.Single();
        return new RunningMcpServer(app, new Uri(address));
    }

    public Task<McpClient> ConnectAsync(string? origin = null)
    {
        var options = new HttpClientTransportOptions
        {
            Endpoint = McpEndpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = origin is null ? null : new Dictionary<string, string> { ["Origin"] = origin },
        };
        return McpClient.CreateAsync(new HttpClientTransport(options));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
