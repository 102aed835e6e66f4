using Mcp.Server;
using Microsoft.AspNetCore.Builder;
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

    public static async Task<RunningMcpServer> StartAsync(Uri? fastApiBaseUrl, string? allowedOrigins = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["BIND_ADDRESS"] = "127.0.0.1",
            ["PORT"] = "0",
            ["SERVICE_VERSION"] = Version,
            ["SERVICE_URL_FASTAPI"] = fastApiBaseUrl?.AbsoluteUri.TrimEnd('/') ?? "",
            ["ALLOWED_ORIGINS"] = allowedOrigins ?? "",
            ["Logging:LogLevel:Default"] = "Warning",
        };
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
