using System.Net;
using System.Net.Sockets;

namespace Mcp.Server;

/// <summary>
/// The container health check (<c>Mcp.Server --healthcheck</c>): the image has no curl, so the server's own
/// binary asks its local <c>/health</c> and exits 0 on 200, 1 otherwise.
/// </summary>
public static class HealthCheckCommand
{
    public const string Argument = "--healthcheck";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The environment as the server's host reads it, so <c>ASPNETCORE_URLS</c> and <c>ASPNETCORE_HTTP_PORTS</c>
    /// arrive under Kestrel's keys (<c>urls</c>, <c>http_ports</c>) with the same precedence.
    /// </summary>
    public static IConfiguration ConfigurationFromEnvironment() =>
        new ConfigurationBuilder()
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables()
            .Build();

    public static async Task<int> RunAsync(IConfiguration configuration, TextWriter output)
    {
        Uri url;
        try
        {
            url = HealthUrl(ServiceSettings.FromConfiguration(configuration));
        }
        catch (InvalidOperationException exception)
        {
            await output.WriteLineAsync($"health check: {exception.Message}");
            return 1;
        }

        using var http = new HttpClient(HandlerFor(url)) { Timeout = Timeout };
        try
        {
            using var response = await http.GetAsync(url);
            await output.WriteLineAsync($"{url} -> {(int)response.StatusCode}");
            return response.StatusCode == HttpStatusCode.OK ? 0 : 1;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            await output.WriteLineAsync($"{url} -> unreachable: {exception.Message}");
            return 1;
        }
    }

    /// <summary>
    /// The health endpoint on a local address the server listens on, found by the same precedence the server uses:
    /// <c>PORT</c>, else the first URL of <c>ASPNETCORE_URLS</c> (an http one if there is one), else the first port of
    /// <c>ASPNETCORE_HTTP_PORTS</c>, else the default. Wildcard hosts become the loopback address.
    /// </summary>
    public static Uri HealthUrl(ServiceSettings settings)
    {
        var (variable, scheme, host, port) = settings.ListenSource switch
        {
            ListenSource.AspNetCoreUrls => FirstServerUrl(settings.AspNetCoreUrls!),
            ListenSource.AspNetCoreHttpPorts => FirstHttpPort(settings.AspNetCoreHttpPorts!),
            _ => ("PORT", Uri.UriSchemeHttp, settings.BindAddress, settings.Port),
        };
        if (port == 0)
        {
            throw new InvalidOperationException(
                $"{variable} asks for port 0 (any free port), so there is no known port to check. Set a fixed port.");
        }

        return new UriBuilder(scheme, LoopbackFor(host), port, settings.HealthPath).Uri;
    }

    private static (string Variable, string Scheme, string Host, int Port) FirstServerUrl(string urls)
    {
        const string variable = ServiceSettings.AspNetCoreUrlsVariable;
        var addresses = urls
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(url => ParseServerUrl(variable, url))
            .Where(address => !address.IsUnixPipe && !address.IsNamedPipe)
            .ToList();
        var address = addresses.FirstOrDefault(candidate => candidate.Scheme.Equals(Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase))
            ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException(
                $"{variable} is '{urls}', which has no TCP address to check. Add an http://host:port URL.");
        return (variable, address.Scheme.ToLowerInvariant(), address.Host, address.Port);
    }

    private static BindingAddress ParseServerUrl(string variable, string url)
    {
        try
        {
            return BindingAddress.Parse(url);
        }
        catch (FormatException exception)
        {
            throw new InvalidOperationException(
                $"{variable} has '{url}', which is not a URL Kestrel can bind ({exception.Message}). Use e.g. http://+:8080.", exception);
        }
    }

    private static (string Variable, string Scheme, string Host, int Port) FirstHttpPort(string httpPorts)
    {
        const string variable = ServiceSettings.AspNetCoreHttpPortsVariable;
        var first = httpPorts.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).First();
        if (!int.TryParse(first, out var port) || port is < 0 or > 65535)
        {
            throw new InvalidOperationException(
                $"{variable} starts with '{first}', which is not a TCP port. Use semicolon-separated port numbers, e.g. 8080.");
        }

        // Kestrel expands each port to http://*:port.
        return (variable, Uri.UriSchemeHttp, "*", port);
    }

    private static string LoopbackFor(string host)
    {
        if (!IPAddress.TryParse(host, out var address))
        {
            // "*", "+" and host names make Kestrel listen on every interface, "localhost" on the loopback ones.
            return IPAddress.Loopback.ToString();
        }

        if (address.Equals(IPAddress.Any))
        {
            return IPAddress.Loopback.ToString();
        }

        if (address.Equals(IPAddress.IPv6Any))
        {
            return $"[{IPAddress.IPv6Loopback}]";
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
    }

    private static SocketsHttpHandler HandlerFor(Uri url)
    {
        var handler = new SocketsHttpHandler();
        if (url.Scheme == Uri.UriSchemeHttps)
        {
            // The probe goes to the server's own loopback address, which its certificate does not name.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }

        return handler;
    }
}
