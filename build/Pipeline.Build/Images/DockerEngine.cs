using Docker.DotNet;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Images;

/// <summary>
/// The Docker engine the pipeline builds and pushes with: <c>DOCKER_HOST</c> when set, else the local socket.
/// Connects on first use and fails with a <see cref="PipelineException"/> that says how to start the engine.
/// </summary>
public sealed class DockerEngine(Uri? endpoint = null) : IDisposable
{
    public const string DefaultEndpoint = "unix:///var/run/docker.sock";

    readonly SemaphoreSlim connecting = new(1, 1);
    DockerClient? client;

    public Uri Endpoint { get; } = endpoint ?? FromEnvironment();

    public static Uri FromEnvironment() =>
        new(Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host : DefaultEndpoint);

    public async Task<DockerClient> ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (client is not null)
            return client;
        await connecting.WaitAsync(cancellationToken);
        try
        {
            if (client is not null)
                return client;
            var candidate = new DockerClientBuilder().WithEndpoint(Endpoint).Build();
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(15));
                await candidate.System.PingAsync(timeout.Token);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                candidate.Dispose();
                throw new PipelineException(NotReachableMessage(Endpoint, e), e);
            }
            return client = candidate;
        }
        finally
        {
            connecting.Release();
        }
    }

    /// <summary>
    /// "Not running" when nothing listens where the engine should be (no socket file, connection refused), with what to
    /// run on this OS; otherwise the engine's own reason. The socket's errno text ("Cannot assign requested address")
    /// means nothing to a user.
    /// </summary>
    internal static string NotReachableMessage(Uri endpoint, Exception e)
    {
        var start = OperatingSystem.IsLinux()
            ? "Start it: `sudo systemctl start docker` where Docker is installed, or on a machine without one run `sudo .ci/setup deploy` " +
              "(installs the engine, a local registry and the base images, then starts them)"
            : "Start Docker Desktop and wait until it says the engine is running";
        var next = $"{start}; or point DOCKER_HOST at a running engine. Then run the same command again.";
        if (IsNotListening(endpoint, e))
            return $"The Docker engine is not running: nothing listens at {endpoint}" +
                   (endpoint.Scheme == "unix" && !File.Exists(endpoint.LocalPath) ? $" ({endpoint.LocalPath} does not exist)" : "") +
                   $". {next}";
        return $"Docker engine not reachable at {endpoint}: {Reason(e)}. {next}";
    }

    static bool IsNotListening(Uri endpoint, Exception e)
    {
        if (endpoint.Scheme == "unix" && !File.Exists(endpoint.LocalPath))
            return true;
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused or System.Net.Sockets.SocketError.AddressNotAvailable or System.Net.Sockets.SocketError.HostNotFound })
                return true;
        return false;
    }

    static string Reason(Exception e)
    {
        var innermost = e;
        while (innermost.InnerException is not null)
            innermost = innermost.InnerException;
        return e is OperationCanceledException ? "no answer within 15 s" : innermost.Message.TrimEnd('.');
    }

    public void Dispose()
    {
        client?.Dispose();
        connecting.Dispose();
    }
}

// Progress<T> posts to the thread pool, which reorders build output lines; this handles each message in order.
sealed class SynchronousProgress<T>(Action<T> handle) : IProgress<T>
{
    readonly Lock gate = new();

    public void Report(T value)
    {
        lock (gate) handle(value);
    }
}
