using Docker.DotNet;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Local;

/// <summary>Connects to the Docker engine the local platform runs on: <c>DOCKER_HOST</c>, else the default unix socket.</summary>
public static class LocalDockerEngine
{
    public const string DefaultEndpoint = "unix:///var/run/docker.sock";

    public static Uri Endpoint(string? dockerHost = null)
    {
        var value = dockerHost ?? Environment.GetEnvironmentVariable("DOCKER_HOST");
        return new Uri(string.IsNullOrWhiteSpace(value) ? DefaultEndpoint : value);
    }

    /// <summary>Returns a client whose engine answered a ping; otherwise a <see cref="PipelineException"/> saying how to start Docker.</summary>
    public static async Task<IDockerClient> ConnectAsync(string? dockerHost = null, CancellationToken cancellationToken = default)
    {
        var endpoint = Endpoint(dockerHost);
        var client = new DockerClientBuilder().WithEndpoint(endpoint).WithTimeout(TimeSpan.FromSeconds(100)).Build();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await client.System.PingAsync(timeout.Token);
            return client;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw new PipelineException(
                $"Docker engine at {endpoint} is not reachable ({e.GetBaseException().Message}). " +
                "The local platform runs the services in Docker: start it (`sudo systemctl start docker`, or Docker Desktop), " +
                "check that your user may use it (`docker info`), or point DOCKER_HOST at a running engine, then run again.", e);
        }
    }
}
