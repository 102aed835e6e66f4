using System.Net;
using Docker.DotNet.Models;
using Pipeline.Build.Images;
using Pipeline.Build.Local;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// A repository copy with an environment name and ports of its own: its services listen on free ports (set in their
/// manifests), its gateway on another, and its containers are named and labelled after its environment. So it never
/// meets a local platform already running on this machine, and <c>Down</c> in it ends only what it started.
/// </summary>
public sealed class IsolatedDeployment : IAsyncDisposable
{
    static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(15);
    readonly List<BuildScriptRun> runs = [];

    IsolatedDeployment(RepositoryCopy copy, string environment, int gatewayPort)
    {
        Copy = copy;
        Environment = environment;
        GatewayPort = gatewayPort;
    }

    public RepositoryCopy Copy { get; }

    /// <summary>e2e + random hex: the DeployEnvironment of every run in this copy.</summary>
    public string Environment { get; }

    public int GatewayPort { get; }

    public Uri GatewayUrl => new($"http://127.0.0.1:{GatewayPort}/");

    public ServiceCatalog Catalog => ServiceCatalog.Load(Copy.ServicesDirectory);

    /// <summary>Every run so far, in order.</summary>
    public IReadOnlyList<BuildScriptRun> Runs
    {
        get
        {
            lock (runs) return runs.ToList();
        }
    }

    /// <summary>The record the local gateway writes for this environment (PID, port), or null when none runs.</summary>
    public LocalGatewayRecord? GatewayRecord =>
        LocalGatewayRecord.Read(Path.Combine(Copy.Root, "artifacts", Environment, "gateway.json"));

    /// <summary>The local gateway's log of this environment: its access log and events, JSON lines.</summary>
    public string GatewayLogPath => Path.Combine(Copy.Root, "artifacts", Environment, "gateway.log");

    public static IsolatedDeployment Create()
    {
        var copy = RepositoryCopy.Create();
        var ports = FreePorts(copy.ServiceNames().Count + 1);
        var services = copy.ServiceNames();
        for (var i = 0; i < services.Count; i++)
            copy.SetServicePort(services[i], ports[i]);
        return new IsolatedDeployment(copy, "e2e" + Guid.NewGuid().ToString("N")[..8], ports[^1]);
    }

    /// <summary>
    /// A local strategy's minute in these runs: a canary and its bake still run step by step, judged by the gateway, in a quarter
    /// of the default time (the judge's request minimum holds a step longer while requests come).
    /// </summary>
    const string LocalMinute = "250ms";

    /// <summary>Starts <c>./build.sh</c> on this copy's local platform for a run that goes on until it is stopped (<c>Dev</c>).</summary>
    public RunningBuildScript StartLocal(params string[] arguments) =>
        RunningBuildScript.Start(Copy.Root, [.. arguments, "--deploy-environment", Environment, "--gateway-port", GatewayPort.ToString()],
            new Dictionary<string, string> { ["BASE_IMAGE_REGISTRY"] = Requires.LocalRegistry });

    /// <summary>Runs <c>./build.sh</c> on the local platform of this copy's environment and gateway port.</summary>
    public Task<BuildScriptRun> RunLocalAsync(params string[] arguments) =>
        RunAsync([.. arguments, "--deploy-environment", Environment, "--gateway-port", GatewayPort.ToString()],
            new Dictionary<string, string>());

    /// <summary>Runs <c>./build.sh &lt;arguments&gt; | &lt;pipeTo&gt;</c> on this copy's local platform, as a user's shell would, e.g. <c>Token | tail -1</c>.</summary>
    public Task<BuildScriptRun> RunLocalPipedAsync(string pipeTo, params string[] arguments) =>
        RunAsync([.. arguments, "--deploy-environment", Environment, "--gateway-port", GatewayPort.ToString()],
            new Dictionary<string, string>(), pipeTo);

    /// <summary>What <c>$(./build.sh Token | tail -1)</c> gives for this copy's environment; asserts the run succeeded.</summary>
    public async Task<string> TokenAsync()
    {
        var run = await RunLocalPipedAsync("tail -1", "Token");
        run.ExitCode.Should().Be(0, run.Describe());
        return run.StandardOutput.TrimEnd('\n');
    }

    /// <summary>Runs <c>./build.sh</c> with exactly these arguments; base images come from the local registry.</summary>
    public async Task<BuildScriptRun> RunAsync(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string> environment, string? pipeTo = null)
    {
        var variables = new Dictionary<string, string>(environment) { ["BASE_IMAGE_REGISTRY"] = Requires.LocalRegistry, ["LOCAL_MINUTE"] = LocalMinute };
        var run = await BuildScript.RunAsync(Copy.Root, arguments, variables, RunTimeout, pipeTo: pipeTo);
        lock (runs) runs.Add(run);
        return run;
    }

    /// <summary>
    /// Runs <c>./build.sh</c> on this copy's local platform and kills its whole process group with SIGKILL once
    /// <paramref name="killWhen"/> holds (see <see cref="BuildScript.RunAndKillAsync"/>).
    /// </summary>
    public async Task<BuildScriptRun> RunLocalAndKillAsync(Func<Task<bool>> killWhen, params string[] arguments)
    {
        var run = await BuildScript.RunAndKillAsync(Copy.Root, [.. arguments, "--deploy-environment", Environment, "--gateway-port", GatewayPort.ToString()],
            new Dictionary<string, string> { ["BASE_IMAGE_REGISTRY"] = Requires.LocalRegistry, ["LOCAL_MINUTE"] = LocalMinute }, killWhen, RunTimeout);
        lock (runs) runs.Add(run);
        return run;
    }

    /// <summary>
    /// Every process running a gateway of this environment, recorded or not: any process whose command line names a gateway
    /// DLL under the environment's artifacts (read from /proc, as <c>ps</c> would show it).
    /// </summary>
    public IReadOnlyList<int> GatewayProcessIds()
    {
        var builds = Path.Combine(Copy.Root, "artifacts", Environment, "gateway-bin") + "/";
        var found = new List<int>();
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), out var pid))
                continue;
            try
            {
                var arguments = File.ReadAllText(Path.Combine(process, "cmdline")).Split('\0');
                var state = File.ReadAllText(Path.Combine(process, "stat")).Split(") ").Last();
                if (!state.StartsWith('Z') && arguments.Any(a => a.StartsWith(builds, StringComparison.Ordinal) && a.EndsWith("/Pipeline.Gateway.dll", StringComparison.Ordinal)))
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while it was read.
            }
        }
        return found.Order().ToList();
    }

    /// <summary>Service name to container id, for every container labelled with this environment.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ContainerIdsAsync()
    {
        var containers = await ContainersAsync();
        return containers.ToDictionary(
            c => c.Labels.TryGetValue(LocalPlatformNaming.ServiceLabel, out var service) ? service : c.Names.First(),
            c => c.ID);
    }

    /// <summary>Names of every container, running or not, labelled with this environment.</summary>
    public async Task<IReadOnlyList<string>> ContainerNamesAsync() =>
        (await ContainersAsync()).Select(c => c.Names.First().TrimStart('/')).Order().ToList();

    /// <summary>The version a service reports on its health route through this copy's gateway.</summary>
    public async Task<string> ServedVersionAsync(HttpClient http, string service)
    {
        var manifest = Catalog[service];
        using var response = await http.GetAsync(new Uri(GatewayUrl, manifest.RoutePrefix.TrimStart('/') + manifest.HealthPath));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, $"{service}'s health route through the gateway answered: {body}");
        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("version").GetString()!;
    }

    async Task<IList<ContainerListResponse>> ContainersAsync()
    {
        using var engine = new DockerEngine();
        var docker = await engine.ConnectAsync();
        return await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{LocalPlatformNaming.PlatformLabel}={Environment}"] = true },
            },
        });
    }

    /// <summary>Takes the local platform of this environment down, removes the images it built, deletes the copy.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Runs.Count > 0)
            {
                await RunLocalAsync("Down");
                await RemoveImagesAsync();
            }
        }
        finally
        {
            Copy.Dispose();
        }
    }

    /// <summary>The images tagged for this environment, locally or for the registry; shared layers stay in the engine.</summary>
    async Task RemoveImagesAsync()
    {
        using var engine = new DockerEngine();
        var docker = await engine.ConnectAsync();
        var space = DeploymentNames.RepositoryNamespace(Environment) + "/";
        var images = await docker.Images.ListImagesAsync(new ImagesListParameters());
        foreach (var tag in images.SelectMany(i => i.RepoTags ?? []).Where(t => t.StartsWith(space) || t.Contains("/" + space)))
        {
            try
            {
                await docker.Images.DeleteImageAsync(tag, new ImageDeleteParameters { Force = true });
            }
            catch (Docker.DotNet.DockerApiException)
            {
                // Already gone with another tag of the same image.
            }
        }
    }

    static IReadOnlyList<int> FreePorts(int count) => [.. Enumerable.Range(0, count).Select(_ => LoopbackPorts.Reserve())];
}
