using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// The whole product on one machine: each service a container on 127.0.0.1 (host networking), behind
/// the local gateway that reproduces the HTTP API's routes and its JWT authorizer, with a token issuer of its own
/// (<c>/_auth</c>). Declared secrets come from the environment or <c>.nuke/secrets.&lt;env&gt;.json</c> (<see cref="LocalSecretStore"/>).
/// Images stay in the engine unless --registry is given.
/// </summary>
public sealed class LocalPlatform(DeploySettings settings) : IDeploymentPlatform
{
    readonly DockerEngine engine = new();
    readonly LocalGateway gateway = new(settings.RootDirectory, Path.Combine(settings.ArtifactsDirectory, settings.Environment), settings.Environment)
    {
        AutoApprove = settings.LocalAuthAutoApprove,
    };

    // Named after the environment, so a second local environment (a test run, say) never touches the first.
    readonly LocalPlatformNaming naming = LocalPlatformNaming.ForEnvironment(settings.Environment);

    string RepositoryNamespace => DeploymentNames.RepositoryNamespace(settings.Environment);

    Uri GatewayUrl => new($"http://127.0.0.1:{settings.GatewayPort}");

    LocalGatewayRoutes GatewayRoutes => new(gateway, settings.GatewayPort);

    /// <summary>Where the declared secrets' values come from; the process environment wins over the file.</summary>
    public static LocalSecretStore SecretStore(DeploySettings settings) =>
        new(settings.RootDirectory, settings.Environment, System.Environment.GetEnvironmentVariable);

    /// <summary>The command that (re)starts this environment's local platform, as a next step in errors.</summary>
    string DeployCommand => "./build.sh Deploy" + EnvironmentArguments;

    /// <summary>What a command needs to reach this environment's local platform rather than the default one.</summary>
    string EnvironmentArguments =>
        (settings.Environment == "local" ? "" : $" --deploy-environment {settings.Environment}")
        + (settings.GatewayPort == LocalGateway.DefaultPort ? "" : $" --gateway-port {settings.GatewayPort}");

    public Task<ImageDestination> ImageDestinationAsync(CancellationToken cancellation) =>
        Task.FromResult(settings.Registry is { Length: > 0 } registry
            ? new ImageDestination($"{registry.TrimEnd('/')}/{RepositoryNamespace}", RegistryLogin.From(settings), IsRegistry: true)
            : new ImageDestination(RepositoryNamespace, null, IsRegistry: false));

    public Task<EnvironmentLockPlace> EnvironmentLockAsync(IStepLog log, CancellationToken cancellation) =>
        Task.FromResult(new EnvironmentLockPlace(new LocalEnvironmentLockStore(gateway.ArtifactsDirectory), System.Environment.UserName));

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
    public async Task DeployInfraAsync(IReadOnlyList<ServiceImage> images, IStepLog log, CancellationToken cancellation)
    {
        if (settings.JwtIssuer is not null)
            log.Warn($"--jwt-issuer ({settings.JwtIssuer}) applies to AWS; the local platform always uses its own issuer, {LocalIssuerCredentials.IssuerUrl(settings.GatewayPort)}");
        await gateway.EnsureRunningAsync(settings.ServicesDirectory, settings.GatewayPort, settings.DryRun, log, cancellation,
            async cancellation => await new LocalServiceRunner(await engine.ConnectAsync(cancellation), GatewayRoutes, naming)
                .LiveUpstreamsAsync(settings.Catalog, cancellation));
    }

    public async Task UpdateServicesAsync(IReadOnlyList<ServiceImage> images, bool explicitRollout, IStepLog log, CancellationToken cancellation)
    {
        // Containers are told to trust the gateway's issuer; a gateway from before it had one (a Redeploy right after an
        // upgrade, which does not touch the gateway) would leave them unable to check any token.
        if (!settings.DryRun && GatewayRoutes.Running() is { IssuerHash: null } older)
            throw new PipelineException(
                $"The local gateway (pid {older.ProcessId} on {older.Url}) was started by an older pipeline: it neither checks tokens nor hosts " +
                $"the token issuer the services now rely on. Run {DeployCommand} once (it replaces the gateway), then redeploy.");
        // A gateway a killed Deploy started and never recorded shares the port with stale routes no one can switch:
        // it would keep sending part of the traffic to a container this rollout removes.
        var recorded = LocalGatewayRecord.Read(gateway.RecordPath);
        await gateway.StopUnrecordedAsync(recorded is not null && recorded.IsProcessAlive() ? recorded : null, settings.DryRun, log, cancellation);
        var docker = await engine.ConnectAsync(cancellation);
        var secrets = ResolveSecrets(images.Select(i => i.Service), log);
        var results = await new LocalServiceRunner(docker, GatewayRoutes, naming, secrets: secrets, rollout: settings.RolloutFor, localMinute: settings.LocalMinute)
            .EnsureRunningAsync(images, settings.Catalog, settings.DryRun, log, cancellation);
        foreach (var result in results.Where(r => r.Outcome == LocalServiceOutcome.Unchanged && explicitRollout))
            log.Info($"{result.Service}: already running {result.ImageReference}; the same image was not restarted");
    }

    /// <summary>
    /// The inner loop on this platform (<see cref="Dev.DevSession"/>): dev containers get the environment, secrets, user and
    /// read-only root of the deployed ones, and come up under a closer watch (every 50 ms) than a deploy's.
    /// </summary>
    public async Task DevAsync(IReadOnlyList<ServiceImage> images, Func<ServiceManifest, CancellationToken, Task<ServiceImage>> rebuild,
        IStepLog log, CancellationToken cancellation)
    {
        var docker = await engine.ConnectAsync(cancellation);
        var secrets = ResolveSecrets(settings.Catalog.Services, log);
        var runner = new LocalServiceRunner(docker, GatewayRoutes, naming, Dev.DevSession.StartTimeout, secrets)
        {
            HealthPollInterval = TimeSpan.FromMilliseconds(50),
        };
        var context = new Dev.DevContext(docker, settings.RootDirectory, Path.Combine(gateway.ArtifactsDirectory, "dev"), naming, settings.BaseImageRegistry);
        await new Dev.DevSession(context, runner, settings.Catalog,
                image => LocalContainerSpec.For(image, settings.Catalog, naming, settings.GatewayPort, settings.Environment, secrets.For(image.Service.Name)),
                rebuild, log)
            .RunAsync(images, cancellation);
    }

    /// <summary>The services' secret values, fingerprinted with the environment's key (a Redeploy before any Deploy generates it too).</summary>
    LocalSecretValues ResolveSecrets(IEnumerable<ServiceManifest> services, IStepLog log)
    {
        var declaring = services.Where(s => s.Secrets.Count > 0).ToList();
        if (declaring.Count == 0)
            return LocalSecretValues.None;
        // A dry run before the first deploy has no key yet and generates none; its fingerprints are never compared with a real one.
        var credentials = gateway.ReadIssuerCredentials() ?? (settings.DryRun ? null : gateway.EnsureIssuerCredentials(log));
        var key = credentials is null ? new byte[32] : LocalSecretStore.FingerprintKeyFrom(credentials);
        var secrets = SecretStore(settings).Resolve(declaring, key);
        foreach (var warning in SecretMasker.TakeWarnings())
            log.Warn(warning);
        foreach (var service in declaring)
            log.Info($"{service.Name}: secrets {string.Join(", ", secrets.For(service.Name).Select(s => $"{s.Variable} (from {s.Source})"))}");
        return secrets;
    }

    /// <summary>The services among <paramref name="services"/> whose rollout through the gateway is under way (a traffic shift not yet judged).</summary>
    public async Task<IReadOnlyList<ServiceManifest>> RolloutsUnderWayAsync(IEnumerable<ServiceManifest> services, CancellationToken cancellation)
    {
        var shifts = await GatewayRoutes.ReadShiftsAsync(cancellation);
        return services.Where(s => shifts.GetValueOrDefault(s.Name) is { Verdict: null }).ToList();
    }

    /// <summary>
    /// Rollback on the local platform: stops the rollouts under way of <paramref name="services"/> at the gateway, which sends
    /// their new versions nothing more at once; the Deploy or Redeploy running each rollout then removes the new container and
    /// fails. The local platform keeps no deploy history, so there is nothing else to go back to.
    /// </summary>
    public async Task SwitchBackAsync(IReadOnlyList<ServiceManifest> services, IStepLog log, CancellationToken cancellation)
    {
        var underWay = await RolloutsUnderWayAsync(services, cancellation);
        if (underWay.Count == 0)
            throw new PipelineException(
                $"No rollout of {string.Join(", ", services.Select(s => s.Name))} is under way on the local platform{EnvironmentArguments}, so there is nothing to switch " +
                "back, and the local platform keeps no deploy history to return to (History and Rollback --to read the one an AWS account keeps). " +
                "To go back to an earlier version locally, check it out and run ./build.sh Redeploy --service <name>.");
        foreach (var service in underWay)
        {
            if (settings.DryRun)
            {
                log.Info($"{service.Name}: would stop its rollout at the gateway; the previous version would take all requests again (dry run)");
                continue;
            }
            var state = await GatewayRoutes.StopShiftAsync(service.Name, $"{RolloutRejectedException.StoppedOnRequest} (./build.sh Rollback)", cancellation);
            log.Info($"{service.Name}: switched back: the previous version takes all requests again ({LocalTrafficShift.Figures(state)}); " +
                     "the run that was rolling it out removes the new version and fails");
        }
        foreach (var service in services.Except(underWay))
            log.Info($"{service.Name}: no rollout under way; left as it runs");
    }

    public Task<Uri> HealthBaseUrlAsync(CancellationToken cancellation) => Task.FromResult(settings.HealthUrl ?? GatewayUrl);

    public async Task SummarizeAsync(IStepLog log, CancellationToken cancellation)
    {
        if (settings.DryRun) return;
        // The summary asks each service what it offers, through the gateway like any client: with a token.
        var token = await new LocalTokenClient(gateway, settings.GatewayPort).TokenAsync(DeployCommand, cancellation);
        foreach (var line in await LocalDeploySummary.BuildAsync(settings.Catalog, GatewayUrl, token, "./build.sh Token" + EnvironmentArguments,
                     gateway.IssuerFile, cancellation))
            log.Info(line);
    }

    /// <summary>The local platform keeps no deploy records: what runs is what <c>Status</c> shows.</summary>
    public Task RecordAsync(string target, IReadOnlyList<ServiceImage> images, string outcome, TimeSpan duration, IStepLog log, CancellationToken cancellation) =>
        Task.CompletedTask;

    public async Task<string> AccessTokenAsync(IStepLog log, CancellationToken cancellation)
    {
        var client = new LocalTokenClient(gateway, settings.GatewayPort);
        log.Info($"client credentials grant at {client.TokenEndpoint} (client of audience {gateway.Audience}, key in {gateway.IssuerFile})");
        var token = await client.TokenAsync(DeployCommand, cancellation);
        log.Info($"token issued, valid for {LocalIssuerTokenLifetime}; it is printed alone on the last line: TOKEN=$(./build.sh Token{EnvironmentArguments} | tail -1)");
        return token;
    }

    /// <summary>The gateway's token lifetime (build/Pipeline.Gateway/Auth/LocalIssuer.cs), as the Token target says it.</summary>
    const string LocalIssuerTokenLifetime = "1 h";

    public async Task StatusAsync(TextWriter output, CancellationToken cancellation)
    {
        var docker = await engine.ConnectAsync(cancellation);
        var snapshot = await new LocalPlatformStatus(docker, gateway, naming).ReadAsync(settings.Catalog, cancellation);
        foreach (var line in snapshot.ToLines()) output.WriteLine(line);
    }

    public async Task LogsAsync(LogQuery query, TextWriter output, CancellationToken cancellation)
    {
        var docker = await engine.ConnectAsync(cancellation);
        await new LocalLogs(docker, gateway, naming).ShowAsync(query, settings.Catalog, output, Console.Error, cancellation);
    }

    public async Task DownAsync(IStepLog log, CancellationToken cancellation)
    {
        var docker = await engine.ConnectAsync(cancellation);
        var removed = await new LocalPlatformTeardown(docker, gateway, naming).DownAsync(settings.DryRun, log, cancellation);
        if (removed.Count == 0) log.Info("nothing of the local platform was running");
    }

    /// <summary>Down, plus the environment's images and its issuer's key (<see cref="LocalEnvironmentDestroyer"/>); images are always removed here.</summary>
    public async Task DestroyAsync(EnvironmentConfirmation confirmation, bool includeImages, IStepLog log, CancellationToken cancellation) =>
        await LocalEnvironmentDestroyer.For(settings, await engine.ConnectAsync(cancellation))
            .DestroyAsync(confirmation.ConfirmAsync, settings.DryRun, log, cancellation);

    public void Dispose() => engine.Dispose();
}
