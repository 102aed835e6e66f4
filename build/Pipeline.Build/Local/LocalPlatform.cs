using Docker.DotNet;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// The whole product on one machine: each service a container on 127.0.0.1 (host networking), behind
/// the local gateway that reproduces the HTTP API's routes. Images stay in the engine unless --registry is given.
/// </summary>
public sealed class LocalPlatform(DeploySettings settings) : IDeploymentPlatform
{
    readonly DockerEngine engine = new();
    readonly LocalGateway gateway = new(settings.RootDirectory, Path.Combine(settings.ArtifactsDirectory, settings.Environment));

    // Named after the environment, so a second local environment (a test run, say) never touches the first.
    readonly LocalPlatformNaming naming = LocalPlatformNaming.ForEnvironment(settings.Environment);

    string RepositoryNamespace => DeploymentNames.RepositoryNamespace(settings.Environment);

    Uri GatewayUrl => new($"http://127.0.0.1:{settings.GatewayPort}");

    LocalGatewayRoutes GatewayRoutes => new(gateway, settings.GatewayPort);

    public Task<ImageDestination> ImageDestinationAsync(CancellationToken cancellation) =>
        Task.FromResult(settings.Registry is { Length: > 0 } registry
            ? new ImageDestination($"{registry.TrimEnd('/')}/{RepositoryNamespace}", RegistryLogin.From(settings), IsRegistry: true)
            : new ImageDestination(RepositoryNamespace, null, IsRegistry: false));

    public async Task PushImagesAsync(IReadOnlyList<ServiceImage> images, IStepLog log, CancellationToken cancellation)
    {
        var destination = await ImageDestinationAsync(cancellation);
        if (!destination.IsRegistry)
        {
            log.Info("images stay in the local Docker engine (no --registry given): nothing to push");
            return;
        }
        using var registry = new RegistryClient();
        await new ImagePusher(engine, registry).PushAsync(images, destination.Credentials, settings.DryRun, log, cancellation);
    }

    public Task SynthesizeAsync(IStepLog log, CancellationToken cancellation)
    {
        log.Info("the local platform has no templates: the gateway's routes come from the service manifests");
        return Task.CompletedTask;
    }

    // A gateway that starts (or replaces the running one) routes each service to wherever its live container listens now.
    public async Task DeployInfraAsync(IReadOnlyList<ServiceImage> images, IStepLog log, CancellationToken cancellation) =>
        await gateway.EnsureRunningAsync(settings.ServicesDirectory, settings.GatewayPort, settings.DryRun, log, cancellation,
            async cancellation => await new LocalServiceRunner(await engine.ConnectAsync(cancellation), GatewayRoutes, naming)
                .LiveUpstreamsAsync(settings.Catalog, cancellation));

    public async Task UpdateServicesAsync(IReadOnlyList<ServiceImage> images, bool explicitRollout, IStepLog log, CancellationToken cancellation)
    {
        var docker = await engine.ConnectAsync(cancellation);
        var results = await new LocalServiceRunner(docker, GatewayRoutes, naming).EnsureRunningAsync(images, settings.Catalog, settings.DryRun, log, cancellation);
        foreach (var result in results.Where(r => r.Outcome == LocalServiceOutcome.Unchanged && explicitRollout))
            log.Info($"{result.Service}: already running {result.ImageReference}; the same image was not restarted");
    }

    public Task<Uri> HealthBaseUrlAsync(CancellationToken cancellation) => Task.FromResult(settings.HealthUrl ?? GatewayUrl);

    public async Task SummarizeAsync(IStepLog log, CancellationToken cancellation)
    {
        if (settings.DryRun) return;
        foreach (var line in await LocalDeploySummary.BuildAsync(settings.Catalog, GatewayUrl, cancellation))
            log.Info(line);
    }

    /// <summary>The local platform keeps no deploy records: what runs is what <c>Status</c> shows.</summary>
    public Task RecordAsync(string target, IReadOnlyList<ServiceImage> images, string outcome, TimeSpan duration, IStepLog log, CancellationToken cancellation) =>
        Task.CompletedTask;

    public Task<string> AccessTokenAsync(IStepLog log, CancellationToken cancellation) =>
        throw new PipelineException("Token on the local platform is not built yet.");

    public async Task StatusAsync(TextWriter output, CancellationToken cancellation)
    {
        var docker = await engine.ConnectAsync(cancellation);
        var snapshot = await new LocalPlatformStatus(docker, gateway, naming).ReadAsync(settings.Catalog, cancellation);
        foreach (var line in snapshot.ToLines()) output.WriteLine(line);
    }

    public async Task LogsAsync(ServiceManifest service, int tail, bool follow, TextWriter output, CancellationToken cancellation)
    {
        var docker = await engine.ConnectAsync(cancellation);
        await new LocalLogs(docker, naming).ShowAsync(service, tail, follow, output, cancellation);
    }

    public async Task DownAsync(IStepLog log, CancellationToken cancellation)
    {
        var docker = await engine.ConnectAsync(cancellation);
        var removed = await new LocalPlatformTeardown(docker, gateway, naming).DownAsync(settings.DryRun, log, cancellation);
        if (removed.Count == 0) log.Info("nothing of the local platform was running");
    }

    public void Dispose() => engine.Dispose();
}
