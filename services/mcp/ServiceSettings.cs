using System.Net;
using System.Net.Sockets;

namespace Mcp.Server;

/// <summary>
/// Everything the server reads from its environment. The platform sets these from the service manifest,
/// so the same image runs unchanged locally, in CI and on ECS.
/// </summary>
public sealed record ServiceSettings
{
    public const string DefaultServiceName = "mcp";
    public const int DefaultPort = 3000;
    public const string McpPath = "/mcp";
    public const string AspNetCoreUrlsVariable = "ASPNETCORE_URLS";
    public const string AspNetCoreHttpPortsVariable = "ASPNETCORE_HTTP_PORTS";

    public string ServiceName { get; init; } = DefaultServiceName;

    /// <summary>Image tag / source hash the image was built from (<c>SERVICE_VERSION</c>).</summary>
    public string Version { get; init; } = "dev";

    /// <summary>Address Kestrel binds to (<c>BIND_ADDRESS</c>) with <see cref="Port"/>.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>Port Kestrel listens on (<c>PORT</c>) unless an ASPNETCORE_* variable decides; 0 picks a free port.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>
    /// Which setting decides where the server listens: <c>PORT</c>, else <c>ASPNETCORE_URLS</c>,
    /// else <c>ASPNETCORE_HTTP_PORTS</c>, else the default.
    /// </summary>
    public ListenSource ListenSource { get; init; } = ListenSource.Default;

    /// <summary><c>ASPNETCORE_URLS</c> as Kestrel reads it (its <c>urls</c> setting), or null when unset.</summary>
    public string? AspNetCoreUrls { get; init; }

    /// <summary><c>ASPNETCORE_HTTP_PORTS</c> as Kestrel reads it (its <c>http_ports</c> setting), or null when unset.</summary>
    public string? AspNetCoreHttpPorts { get; init; }

    /// <summary>
    /// The URL the server binds itself (<c>BIND_ADDRESS</c>:<c>PORT</c> or the default), or null when
    /// Kestrel binds <c>ASPNETCORE_URLS</c> / <c>ASPNETCORE_HTTP_PORTS</c> on its own.
    /// </summary>
    public string? BindUrl =>
        ListenSource is ListenSource.Port or ListenSource.Default ? $"http://{UrlHost(BindAddress)}:{Port}" : null;

    /// <summary>The ASPNETCORE_* variables that are set but ignored because <c>PORT</c> wins; startup warns about them.</summary>
    public IReadOnlyList<(string Name, string Value)> VariablesOverriddenByPort
    {
        get
        {
            var overridden = new List<(string Name, string Value)>();
            if (ListenSource is ListenSource.Port && AspNetCoreUrls is { } urls)
            {
                overridden.Add((AspNetCoreUrlsVariable, urls));
            }

            if (ListenSource is ListenSource.Port && AspNetCoreHttpPorts is { } httpPorts)
            {
                overridden.Add((AspNetCoreHttpPortsVariable, httpPorts));
            }

            return overridden;
        }
    }

    /// <summary>Public prefix the gateway strips before forwarding (<c>ROOT_PATH</c>), e.g. <c>/api/mcp</c>.</summary>
    public string RootPath { get; init; } = "";

    public string HealthPath { get; init; } = "/health";

    /// <summary>Base URL of the fastapi service (<c>SERVICE_URL_FASTAPI</c>), without a trailing slash.</summary>
    public Uri? FastApiBaseUrl { get; init; }

    public OriginPolicy AllowedOrigins { get; init; } = OriginPolicy.Default;

    public static ServiceSettings FromConfiguration(IConfiguration configuration)
    {
        var port = DefaultPort;
        var portText = configuration["PORT"];
        var aspNetCoreUrls = NonEmpty(configuration[WebHostDefaults.ServerUrlsKey]);
        var aspNetCoreHttpPorts = NonEmpty(configuration[WebHostDefaults.HttpPortsKey]);
        if (!string.IsNullOrWhiteSpace(portText) && (!int.TryParse(portText, out port) || port is < 0 or > 65535))
        {
            throw new InvalidOperationException(
                $"PORT is '{portText}', which is not a TCP port. Set PORT to a number between 1 and 65535, or unset it to use {DefaultPort}.");
        }

        return new ServiceSettings
        {
            ServiceName = NonEmpty(configuration["SERVICE_NAME"]) ?? DefaultServiceName,
            Version = NonEmpty(configuration["SERVICE_VERSION"]) ?? "dev",
            BindAddress = NonEmpty(configuration["BIND_ADDRESS"]) ?? "0.0.0.0",
            Port = port,
            ListenSource = (NonEmpty(portText), aspNetCoreUrls, aspNetCoreHttpPorts) switch
            {
                ({ }, _, _) => ListenSource.Port,
                (null, { }, _) => ListenSource.AspNetCoreUrls,
                (null, null, { }) => ListenSource.AspNetCoreHttpPorts,
                _ => ListenSource.Default,
            },
            AspNetCoreUrls = aspNetCoreUrls,
            AspNetCoreHttpPorts = aspNetCoreHttpPorts,
            RootPath = (NonEmpty(configuration["ROOT_PATH"]) ?? "").TrimEnd('/'),
            HealthPath = NonEmpty(configuration["HEALTH_PATH"]) ?? "/health",
            FastApiBaseUrl = ParseBaseUrl(configuration["SERVICE_URL_FASTAPI"]),
            AllowedOrigins = NonEmpty(configuration["ALLOWED_ORIGINS"]) is { } origins
                ? OriginPolicy.Parse(origins)
                : OriginPolicy.Default,
        };
    }

    private static Uri? ParseBaseUrl(string? value)
    {
        if (NonEmpty(value) is not { } text)
        {
            return null;
        }

        if (!Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException(
                $"SERVICE_URL_FASTAPI is '{text}', which is not an http(s) URL. Set it to the fastapi base URL, e.g. http://127.0.0.1:8000.");
        }

        return uri;
    }

    /// <summary>The host as it goes into a URL: IPv6 addresses need brackets.</summary>
    private static string UrlHost(string host) =>
        IPAddress.TryParse(host, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6 && !host.StartsWith('[')
            ? $"[{host}]"
            : host;

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
