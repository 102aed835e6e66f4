namespace Pipeline.Build.Local;

/// <summary>Asks a local HTTP endpoint whether it is healthy (any 2xx). Never goes through a proxy: the target is always 127.0.0.1.</summary>
public static class LocalHealthProbe
{
    static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public static async Task<bool> IsHealthyAsync(Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        try
        {
            using var response = await Client.GetAsync(url, attempt.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    public static async Task<string> GetStringAsync(Uri url, CancellationToken cancellationToken) =>
        await Client.GetStringAsync(url, cancellationToken);
}
