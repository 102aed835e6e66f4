using Docker.DotNet;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Docker;

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
                throw new PipelineException(
                    $"Docker engine not reachable at {Endpoint}: {Reason(e)}. Start Docker (e.g. `sudo systemctl start docker`, " +
                    "or run .ci/setup on a CI machine), or point DOCKER_HOST at a running engine, and retry.", e);
            }
            return client = candidate;
        }
        finally
        {
            connecting.Release();
        }
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
