using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Images;

/// <summary>One service image running with host networking on a free loopback port, removed on dispose.</summary>
sealed class RunningContainer : IAsyncDisposable
{
    readonly DockerClient docker;
    readonly string id;

    RunningContainer(DockerClient docker, string id, int port)
    {
        this.docker = docker;
        this.id = id;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}");

    public static async Task<RunningContainer> StartAsync(
        DockerClient docker, string reference, ServiceManifest service, IDictionary<string, string>? extraEnvironment = null)
    {
        var port = FreePort();
        var environment = new Dictionary<string, string>(service.Environment)
        {
            ["PORT"] = port.ToString(),
            ["BIND_ADDRESS"] = "127.0.0.1",
            // Both platforms give every container its token issuer, audience and scope, and the MCP server refuses to start
            // without them. Health needs no token, so this test's issuer is never asked (nothing listens on port 9).
            ["AUTH_ISSUER"] = "http://127.0.0.1:9/_auth",
            ["AUTH_AUDIENCE"] = "apigw-image-test",
            ["AUTH_SCOPE"] = DeploymentNames.ServiceScope("image-test", service.Name),
        };
        foreach (var (name, value) in extraEnvironment ?? new Dictionary<string, string>())
            environment[name] = value;
        var created = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = reference,
            Name = $"it-{service.Name}-{Guid.NewGuid():N}"[..30],
            Env = environment.Select(e => $"{e.Key}={e.Value}").ToList(),
            HostConfig = new HostConfig
            {
                NetworkMode = "host",
                ReadonlyRootfs = service.ReadOnlyRootFilesystem,
                Tmpfs = new Dictionary<string, string> { ["/tmp"] = "rw,size=64m" },
            },
        });
        await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        return new RunningContainer(docker, created.ID, port);
    }

    /// <summary>Polls the health endpoint until it answers 200, and returns its body; fails with the container's log otherwise.</summary>
    public async Task<string> WaitForHealthAsync(string healthPath, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var answer = await Eventually.UntilAsync($"{BaseUrl}{healthPath} to answer 200",
            async () =>
            {
                try
                {
                    using var response = await http.GetAsync(new Uri(BaseUrl, healthPath));
                    return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
                }
                catch (HttpRequestException e)
                {
                    var state = await docker.Containers.InspectContainerAsync(id);
                    if (state.State is { Running: false })
                        throw new Xunit.Sdk.XunitException(
                            $"{BaseUrl}{healthPath} never answered 200: the container stopped (last: {e.Message}). Container log:\n{await LogsAsync()}");
                    throw;
                }
            },
            answer => answer.StatusCode == HttpStatusCode.OK, timeout, every: TimeSpan.FromMilliseconds(500),
            describe: answer => $"{(int)answer.StatusCode} {answer.Body}",
            details: async () => $"Container log:\n{await LogsAsync()}");
        return answer.Body;
    }

    async Task<string> LogsAsync()
    {
        using var stream = await docker.Containers.GetContainerLogsAsync(id, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Tail = "50" });
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(CancellationToken.None);
        return stdout + stderr;
    }

    static int FreePort() => LoopbackPorts.Reserve();

    public async ValueTask DisposeAsync() =>
        await docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true });
}
