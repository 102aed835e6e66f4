using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using ModelContextProtocol.Client;

namespace Mcp.Server.Tests;

/// <summary>
/// The real server, on Kestrel at 127.0.0.1 and a free port, configured as the platform would: including a token
/// issuer (a <see cref="TestIssuer"/> of its own unless one is given) whose tokens its clients send.
/// </summary>
public sealed class RunningMcpServer : IAsyncDisposable
{
    public const string Version = "test-1";

    private readonly WebApplication _app;
    private readonly bool _ownsIssuer;

    private RunningMcpServer(WebApplication app, Uri baseAddress, TestIssuer issuer, bool ownsIssuer)
    {
        _app = app;
        BaseAddress = baseAddress;
        Issuer = issuer;
        _ownsIssuer = ownsIssuer;
    }

    public Uri BaseAddress { get; }

    public Uri McpEndpoint => new(BaseAddress, "/mcp");

    /// <summary>The issuer whose tokens the server accepts (AUTH_ISSUER, with AUTH_AUDIENCE = <see cref="TestIssuer.Audience"/> and AUTH_SCOPE = <see cref="TestIssuer.Scope"/>).</summary>
    public TestIssuer Issuer { get; }

    /// <param name="settingsOverrides">
    /// Replaces any of the defaults: PORT=0, BIND_ADDRESS=127.0.0.1, no ASPNETCORE_URLS / _HTTP_PORTS, the issuer's
    /// AUTH_ISSUER, AUTH_AUDIENCE and AUTH_SCOPE, no PUBLIC_BASE_URL and no ROOT_PATH.
    /// </param>
    public static async Task<RunningMcpServer> StartAsync(
        Uri? fastApiBaseUrl,
        string? allowedOrigins = null,
        IReadOnlyDictionary<string, string?>? settingsOverrides = null,
        TestIssuer? issuer = null)
    {
        var ownsIssuer = issuer is null;
        issuer ??= await TestIssuer.StartAsync();
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
            ["AUTH_ISSUER"] = issuer.Issuer,
            ["AUTH_AUDIENCE"] = TestIssuer.Audience,
            ["AUTH_SCOPE"] = TestIssuer.Scope,
            ["PUBLIC_BASE_URL"] = "",
            ["ROOT_PATH"] = "",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settingsOverrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        try
        {
            var app = McpServerApplication.Create([], settings);
            await app.StartAsync();
            var address = app.Urls.Single();
            return new RunningMcpServer(app, new Uri(address), issuer, ownsIssuer);
        }
        catch when (ownsIssuer)
        {
            await issuer.DisposeAsync();
            throw;
        }
    }

    /// <summary>Connects the official SDK client, sending a valid token from <see cref="Issuer"/> unless given another.</summary>
    public Task<McpClient> ConnectAsync(string? origin = null, string? token = null)
    {
        var headers = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token ?? Issuer.MintToken()}" };
        if (origin is not null)
        {
            headers["Origin"] = origin;
        }

        var options = new HttpClientTransportOptions
        {
            Endpoint = McpEndpoint,
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = headers,
        };
        return McpClient.CreateAsync(new HttpClientTransport(options));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsIssuer)
        {
            await Issuer.DisposeAsync();
        }
    }
}
