namespace Mcp.Server;

/// <summary>
/// The container health check (<c>Mcp.Server --healthcheck</c>): the image has no curl, so the server's own
/// binary asks its local <c>/health</c> and exits 0 on 200, 1 otherwise.
/// </summary>
public static class HealthCheckCommand
{
    public const string Argument = "--healthcheck";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(IConfiguration configuration, TextWriter output)
    {
        var settings = ServiceSettings.FromConfiguration(configuration);
        var url = $"http://127.0.0.1:{settings.Port}{settings.HealthPath}";
        using var http = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await http.GetAsync(url);
            await output.WriteLineAsync($"{url} -> {(int)response.StatusCode}");
            return response.StatusCode == System.Net.HttpStatusCode.OK ? 0 : 1;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            await output.WriteLineAsync($"{url} -> unreachable: {exception.Message}");
            return 1;
        }
    }
}
