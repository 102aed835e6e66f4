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
    public const string MaxRequestBodyBytesVariable = "MAX_REQUEST_BODY_BYTES";

    /// <summary>The largest request body the server reads by default: 1 MB, far above any MCP message its tools take.</summary>
    public const long DefaultMaxRequestBodyBytes = 1024 * 1024;

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

    /// <summary>
    /// The OIDC issuer whose tokens the MCP endpoint accepts (<c>AUTH_ISSUER</c>), e.g.
    /// <c>https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc</c>; its discovery document is at
    /// <c>{issuer}/.well-known/openid-configuration</c>. Without it the server does not start: see <see cref="TokenRequirement"/>.
    /// </summary>
    public Uri? AuthIssuer { get; init; }

    /// <summary>The audience a token must be issued for (<c>AUTH_AUDIENCE</c>): its <c>aud</c>, or <c>client_id</c> when it has no <c>aud</c>.</summary>
    public string? AuthAudience { get; init; }

    /// <summary>
    /// The OAuth scope a token must carry for the MCP endpoint (<c>AUTH_SCOPE</c>), e.g. <c>apigw-dev/mcp</c>: the scope the
    /// API's route requires too. A token without it gets 403 <c>insufficient_scope</c> naming it.
    /// </summary>
    public string? AuthScope { get; init; }

    /// <summary>The largest request body accepted (<c>MAX_REQUEST_BODY_BYTES</c>, default 1 MB); a larger one gets 413 before it is read.</summary>
    public long MaxRequestBodyBytes { get; init; } = DefaultMaxRequestBodyBytes;

    /// <summary>
    /// The public origin of the API in front of the service (<c>PUBLIC_BASE_URL</c>), e.g. <c>https://abc.execute-api.eu-west-1.amazonaws.com</c>,
    /// without a trailing slash. With <see cref="RootPath"/> it makes the URLs the protected resource metadata publishes.
    /// </summary>
    public Uri? PublicBaseUrl { get; init; }

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
            RootPath = NonEmpty(configuration["ROOT_PATH"]) is { } rootPath && rootPath.Trim('/') is { Length: > 0 } segments ? "/" + segments : "",
            HealthPath = NonEmpty(configuration["HEALTH_PATH"]) ?? "/health",
            FastApiBaseUrl = ParseBaseUrl(configuration["SERVICE_URL_FASTAPI"]),
            AllowedOrigins = NonEmpty(configuration["ALLOWED_ORIGINS"]) is { } origins
                ? OriginPolicy.Parse(origins)
                : OriginPolicy.Default,
            AuthIssuer = ParseIssuer(configuration["AUTH_ISSUER"]),
            AuthAudience = NonEmpty(configuration["AUTH_AUDIENCE"]),
            AuthScope = ParseScope(configuration["AUTH_SCOPE"]),
            MaxRequestBodyBytes = ParseByteCount(configuration[MaxRequestBodyBytesVariable]),
            PublicBaseUrl = ParsePublicBaseUrl(configuration["PUBLIC_BASE_URL"]),
        };
    }

    /// <summary>
    /// The issuer, audience and scope every MCP request's token is checked against. The server fails closed: when one is
    /// missing it refuses to start rather than serve <c>/mcp</c> to anonymous callers or to tokens meant for another service.
    /// </summary>
    public TokenRequirement RequireTokenValidation()
    {
        var missing = new[]
            {
                (Name: "AUTH_ISSUER", IsMissing: AuthIssuer is null),
                (Name: "AUTH_AUDIENCE", IsMissing: AuthAudience is null),
                (Name: "AUTH_SCOPE", IsMissing: AuthScope is null),
            }
            .Where(variable => variable.IsMissing)
            .Select(variable => variable.Name)
            .ToArray();
        if (missing.Length > 0)
        {
            var names = missing.Length == 1 ? missing[0] : string.Join(", ", missing[..^1]) + " and " + missing[^1];
            throw new InvalidOperationException(
                $"{names} {(missing.Length == 1 ? "is" : "are")} not set, and the MCP endpoint admits only callers with a valid token, " +
                "so the server does not start. Set AUTH_ISSUER to the OIDC issuer URL (the one whose /.well-known/openid-configuration " +
                "lists the signing keys), AUTH_AUDIENCE to the audience its tokens carry for this server and AUTH_SCOPE to the scope " +
                "a token needs for it (apigw-<environment>/<service>, e.g. apigw-dev/mcp; the platform sets all three).");
        }

        return new TokenRequirement(AuthIssuer!, AuthAudience!, AuthScope!);
    }

    /// <summary>One scope token (RFC 6749 §3.3: printable ASCII without space, <c>"</c> and <c>\</c>), or null when unset.</summary>
    private static string? ParseScope(string? value)
    {
        if (NonEmpty(value) is not { } scope)
        {
            return null;
        }

        if (!scope.All(c => c is '!' or (>= '#' and <= '[') or (>= ']' and <= '~')))
        {
            throw new InvalidOperationException(
                $"AUTH_SCOPE is '{scope}', which is not one OAuth scope (no spaces, quotes or backslashes). Set it to the scope the API's route requires, e.g. apigw-dev/mcp.");
        }

        return scope;
    }

    private static long ParseByteCount(string? value)
    {
        if (NonEmpty(value) is not { } text)
        {
            return DefaultMaxRequestBodyBytes;
        }

        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bytes) || bytes < 1)
        {
            throw new InvalidOperationException(
                $"{MaxRequestBodyBytesVariable} is '{text}', which is not a positive number of bytes. Set it to e.g. 1048576 (1 MB), or unset it for that default.");
        }

        return bytes;
    }

    private static Uri? ParseIssuer(string? value)
    {
        if (NonEmpty(value) is not { } text)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new InvalidOperationException(
                $"AUTH_ISSUER is '{text}', which is not an issuer URL. Set it to the issuer exactly as its tokens' iss claim has it, e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123.");
        }

        // The signing keys come from the issuer's discovery document; over plain http anyone on the way could swap them.
        if (uri.Scheme == "http" && !uri.IsLoopback)
        {
            throw new InvalidOperationException(
                $"AUTH_ISSUER is '{text}', a plain-http URL on another host, from which signing keys cannot be fetched safely. Use its https URL (http is accepted for 127.0.0.1 and localhost only).");
        }

        return uri;
    }

    private static Uri? ParsePublicBaseUrl(string? value)
    {
        if (NonEmpty(value) is not { } text)
        {
            return null;
        }

        if (!Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new InvalidOperationException(
                $"PUBLIC_BASE_URL is '{text}', which is not an http(s) origin. Set it to the public address of the API in front of this service, e.g. https://abc.execute-api.eu-west-1.amazonaws.com, or unset it to derive it from X-Forwarded-Proto and X-Forwarded-Host.");
        }

        return uri;
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

/// <summary>What a bearer token must carry to reach the MCP endpoint: this issuer's signature and <c>iss</c>, this audience and this scope.</summary>
public sealed record TokenRequirement(Uri Issuer, string Audience, string Scope)
{
    /// <summary>The issuer as tokens carry it in <c>iss</c> and as the protected resource metadata names it.</summary>
    public string IssuerText => Issuer.OriginalString;

    /// <summary>Where the issuer publishes its OIDC discovery document, and through it its signing keys (<c>jwks_uri</c>).</summary>
    public string DiscoveryUrl => IssuerText.TrimEnd('/') + "/.well-known/openid-configuration";
}
