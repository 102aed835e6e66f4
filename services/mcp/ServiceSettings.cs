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

    public string ServiceName { get; init; } = DefaultServiceName;

    /// <summary>Image tag / source hash the image was built from (<c>SERVICE_VERSION</c>).</summary>
    public string Version { get; init; } = "dev";

    /// <summary>Address Kestrel binds to (<c>BIND_ADDRESS</c>).</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>Port Kestrel listens on (<c>PORT</c>); 0 picks a free port.</summary>
    public int Port { get; init; } = DefaultPort;

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

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
