using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// Runs each service as a container in the local engine (host network, 127.0.0.1). A container already running the
/// wanted image and configuration and answering its health check is left alone. Otherwise it is replaced the way ECS rolls
/// a service (100 % minimum healthy, 200 % maximum): the new container starts beside the old one on another port, and only
/// once it is healthy does the gateway's route switch to it; the old one then drains and is removed. A new container that
/// does not come up is removed with its last log lines in the error, and the old one keeps serving on an unchanged route.
/// <para>
/// Ports: a service's first container listens on its manifest port. A replacement takes the manifest port when it is free
/// and otherwise a port the OS hands out on 127.0.0.1, so a service alternates between its manifest port and another one.
/// The port is in the container's <c>apigw.port</c> label, which is where the gateway's routes come from when it starts.
/// </para>
/// </summary>
public sealed class LocalServiceRunner(
    IDockerClient docker, LocalGatewayRoutes gateway, LocalPlatformNaming? naming = null, TimeSpan? healthTimeout = null, LocalSecretValues? secrets = null,
    Func<ServiceManifest, RolloutStrategy>? rollout = null, TimeSpan? localMinute = null)
{
    const int FailureLogLines = 20;
    static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(10);

    /// <summary>A replaced container is stopped once the gateway has sent it nothing for this long...</summary>
    public static readonly TimeSpan DrainQuietPeriod = TimeSpan.FromSeconds(1);

    /// <summary>...or after this long at most; what is still in flight then gets the container's stop grace period.</summary>
    public static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(5);

    readonly LocalPlatformNaming naming = naming ?? LocalPlatformNaming.Default;
    readonly TimeSpan healthTimeout = healthTimeout ?? TimeSpan.FromSeconds(90);
    readonly LocalSecretValues secrets = secrets ?? LocalSecretValues.None;
    readonly Func<ServiceManifest, RolloutStrategy> rollout = rollout ?? (_ => new RolloutStrategy { Strategy = "rolling" });
    readonly TimeSpan localMinute = localMinute ?? DeploySettings.DefaultLocalMinute;

    /// <summary>How often a starting container's health is asked; the inner loop asks more often, its every 100 ms count.</summary>
    public TimeSpan HealthPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Brings every service in <paramref name="images"/> to its image, callees before callers
    /// (a service's <c>uses</c> start first), and returns what happened to each.
    /// </summary>
    public async Task<IReadOnlyList<LocalServiceResult>> EnsureRunningAsync(
        IReadOnlyList<ServiceImage> images, ServiceCatalog catalog, bool dryRun, IStepLog log, CancellationToken cancellationToken)
    {
        var results = new List<LocalServiceResult>();
        foreach (var image in StartOrder(images, catalog))
            results.Add(await EnsureOneAsync(
                LocalContainerSpec.For(image, catalog, naming, gateway.Port, gateway.Environment, secrets.For(image.Service.Name)), dryRun, log, cancellationToken));
        return results;
    }

    /// <summary>Where each service's live container listens: the routes a gateway that starts now must have.</summary>
    public async Task<IReadOnlyDictionary<string, Uri>> LiveUpstreamsAsync(ServiceCatalog catalog, CancellationToken cancellationToken)
    {
        var upstreams = new Dictionary<string, Uri>();
        foreach (var service in catalog.Services)
            if (await InspectOrNullAsync(naming.ContainerName(service.Name), cancellationToken) is { State.Running: true } live)
                upstreams[service.Name] = Upstream(LocalContainerSpec.PortOf(live, service));
        return upstreams;
    }

    static IEnumerable<ServiceImage> StartOrder(IReadOnlyList<ServiceImage> images, ServiceCatalog catalog)
    {
        var byName = images.ToDictionary(i => i.Service.Name);
        var ordered = new List<ServiceImage>();
        var visited = new HashSet<string>();
        void Visit(string name)
        {
            if (!visited.Add(name))
                return;
            foreach (var used in catalog[name].Uses)
                Visit(used);
            if (byName.TryGetValue(name, out var image))
                ordered.Add(image);
        }
        foreach (var image in images)
            Visit(image.Service.Name);
        return ordered;
    }

    async Task<LocalServiceResult> EnsureOneAsync(LocalContainerSpec spec, bool dryRun, IStepLog log, CancellationToken cancellationToken)
    {
        var service = spec.Service.Name;
        if (!dryRun)
            await SettleInterruptedReplacementAsync(spec, log, cancellationToken);
        var current = await InspectOrNullAsync(spec.Name, cancellationToken);

        if (current is not null && await IsUpToDateAndHealthyAsync(current, spec, cancellationToken))
        {
            var port = LocalContainerSpec.PortOf(current, spec.Service);
            if (!dryRun)
                await RouteToAsync(service, port, log, cancellationToken);
            log.Info($"{service}: unchanged ({spec.ImageTag}, container {current.ID[..12]})");
            return new LocalServiceResult(service, LocalServiceOutcome.Unchanged, spec.Name, current.ID, spec.ImageReference, Upstream(port), null, dryRun);
        }

        var outcome = current is null ? LocalServiceOutcome.Started : LocalServiceOutcome.Replaced;
        if (dryRun)
        {
            log.Info($"{service}: would {(current is null ? "start" : "replace")} {spec.Name} with {spec.ImageReference} (dry run)");
            return new LocalServiceResult(service, outcome, spec.Name, current?.ID, spec.ImageReference, spec.BaseUrl, null, true);
        }

        await EnsureImagePresentAsync(spec, cancellationToken);

        if (current is null)
        {
            EnsurePortFree(spec);
            log.Info($"{service}: starting {spec.Name} from {spec.ImageReference} on 127.0.0.1:{spec.Port}");
            var id = await StartNewAsync(spec, cancellationToken);
            log.Info($"{service}: healthy at {spec.HealthUrl}");
            await RouteToAsync(service, spec.Port, log, cancellationToken);
            return new LocalServiceResult(service, outcome, spec.Name, id, spec.ImageReference, spec.BaseUrl, null, false);
        }
        return await ReplaceAsync(spec, current, log, cancellationToken);
    }

    /// <summary>The rolling replacement: new beside old, health check, names, route switch, drain, old removed.</summary>
    async Task<LocalServiceResult> ReplaceAsync(LocalContainerSpec spec, ContainerInspectResponse current, IStepLog log, CancellationToken cancellationToken)
    {
        var service = spec.Service.Name;
        // Refuses early (nothing started yet) when a gateway runs that cannot switch routes.
        var routed = gateway.Switchable() is not null;
        var oldPort = LocalContainerSpec.PortOf(current, spec.Service);
        var next = spec.On(ReplacementPort(spec), naming.NextContainerName(service));
        log.Info($"{service}: replacing {spec.Name} ({Label(current, LocalPlatformNaming.ImageTagLabel) ?? current.Config?.Image} → {spec.ImageTag}): " +
                 $"starting {next.Name} on 127.0.0.1:{next.Port} while {current.ID[..12]} keeps serving on 127.0.0.1:{oldPort}");

        string id;
        try
        {
            id = await StartNewAsync(next, cancellationToken);
        }
        catch (PipelineException)
        {
            log.Warn($"{service}: the new container failed; the previous container {current.ID[..12]} keeps serving on 127.0.0.1:{oldPort} " +
                     (routed ? "and the gateway route is unchanged" : "(no gateway runs)"));
            throw;
        }
        catch (OperationCanceledException)
        {
            await RemoveQuietlyAsync(next.Name);
            throw;
        }
        log.Info($"{service}: healthy at {next.HealthUrl}");

        // Canary, linear and blue/green: the new version earns its traffic step by step under the gateway's judge, while the
        // names stay as they are: until it has passed, the container called spec.Name is still the one that should serve.
        if (rollout(spec.Service) is { ShiftsTraffic: true } strategy && routed)
            await ShiftTrafficAsync(spec, next, id, current.ID, strategy, log, cancellationToken);

        // The names first, then the route: whatever interrupts this, the container called spec.Name is the one that should serve.
        await RenameAsync(current.ID, naming.PreviousContainerName(service), cancellationToken);
        try
        {
            await RenameAsync(id, spec.Name, cancellationToken);
            await RouteToAsync(service, next.Port, log, cancellationToken);
        }
        catch (Exception e) when (e is PipelineException or DockerApiException or HttpRequestException or OperationCanceledException)
        {
            await UndoReplacementAsync(spec, current.ID, id, log);
            throw;
        }

        var drain = routed ? await DrainAsync(service, Upstream(oldPort), log, cancellationToken) : TimeSpan.Zero;
        await StopAndRemoveAsync(current.ID, cancellationToken);
        log.Info($"{service}: previous container {current.ID[..12]} " +
                 (routed ? $"drained in {Poll.Format(drain)}, then stopped and removed" : "stopped and removed (no gateway runs, nothing to drain)"));
        var unavailable = routed ? TimeSpan.Zero : (TimeSpan?)null;
        log.Info($"{service}: healthy at {next.HealthUrl}" +
                 (routed ? "; unavailable for 0.0 s (the previous container served until the gateway switched)" : ""));
        return new LocalServiceResult(service, LocalServiceOutcome.Replaced, spec.Name, id, spec.ImageReference, next.BaseUrl, unavailable, false);
    }

    /// <summary>
    /// Runs the strategy's traffic shift to the new container. When the gateway's judge stops it, or the run is interrupted,
    /// or the gateway fails, the shift ends (all requests back on the previous container, which never stopped serving) and the
    /// new container goes, with its last log lines in the error when it was judged.
    /// </summary>
    async Task ShiftTrafficAsync(LocalContainerSpec spec, LocalContainerSpec next, string newId, string previousId, RolloutStrategy strategy,
        IStepLog log, CancellationToken cancellationToken)
    {
        var service = spec.Service.Name;
        try
        {
            await new LocalTrafficShift(gateway, localMinute, log).RunAsync(service, Upstream(next.Port), strategy, cancellationToken);
        }
        catch (RolloutRejectedException rejected)
        {
            var lines = await ContainerLogTail.ReadAsync(docker, newId, FailureLogLines, CancellationToken.None);
            await AbandonShiftAsync(service, next, log);
            var logText = lines.Count == 0 ? "  (no log output)" : string.Join("\n", lines.Select(l => "  | " + l));
            throw new PipelineException(
                $"{rejected.Message} The previous container {previousId[..12]} kept serving and takes all requests again; the new one " +
                $"({spec.ImageTag}) was removed. Requests during the rollout: {LocalTrafficShift.Figures(rejected.State)}. " +
                $"Last {lines.Count} log lines of the new version:\n{logText}\n" +
                (rejected.ByRequest
                    ? $"Run the deploy again when the new version should go out; ./build.sh Logs --service {service} shows the version that serves."
                    : $"Fix the service and run the deploy again; ./build.sh Logs --service {service} shows the version that serves."));
        }
        catch (Exception e) when (e is OperationCanceledException or PipelineException or HttpRequestException or DockerApiException)
        {
            await AbandonShiftAsync(service, next, log);
            throw;
        }
    }

    /// <summary>
    /// Ends the shift (the previous version takes every new request), lets the requests the new version still has finish, as a
    /// replaced container drains, and removes it: an interrupted or rejected rollout cuts no request short.
    /// </summary>
    async Task AbandonShiftAsync(string service, LocalContainerSpec next, IStepLog log)
    {
        try
        {
            await gateway.EndShiftAsync(service, CancellationToken.None);
            await DrainAsync(service, Upstream(next.Port), log, CancellationToken.None);
        }
        catch (Exception e) when (e is PipelineException or HttpRequestException)
        {
            log.Warn($"{service}: could not end the traffic shift at the gateway ({e.Message}); the next deploy ends it");
        }
        await RemoveQuietlyAsync(next.Name);
        log.Warn($"{service}: traffic shift ended: the previous version takes all requests; {next.Name} drained and removed");
    }

    /// <summary>Points the gateway's route for <paramref name="service"/> at <paramref name="port"/> unless it points there already.</summary>
    internal async Task RouteToAsync(string service, int port, IStepLog log, CancellationToken cancellationToken)
    {
        var routes = await gateway.ReadRoutesAsync(cancellationToken);
        if (routes is null)
        {
            log.Detail($"{service}: no gateway runs on port {gateway.Port}; when it starts it routes to 127.0.0.1:{port}");
            return;
        }
        var target = Upstream(port);
        if (routes.TryGetValue(service, out var routed) && routed == target)
            return;
        var previous = await gateway.SwitchAsync(service, target, cancellationToken);
        log.Info($"{service}: gateway switched to 127.0.0.1:{port} (was {previous?.Authority ?? "none"})");
    }

    /// <summary>Waits until the gateway has had nothing in flight to <paramref name="upstream"/> for the quiet period, at most <see cref="DrainLimit"/>.</summary>
    internal async Task<TimeSpan> DrainAsync(string service, Uri upstream, IStepLog log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var drain = new Poll($"The previous container of '{service}' ({upstream.Authority})", DrainLimit, TimeSpan.FromMilliseconds(100))
        {
            Continues = "it is stopped anyway (with its stop grace period)",
            Command = $"./build.sh Logs --service {service}",
        };
        try
        {
            await drain.UntilAsync(
                async (_, cancellationToken) => await gateway.LoadOfAsync(upstream, cancellationToken) ?? new UpstreamLoad(0, TimeSpan.MaxValue),
                load => load.InFlight == 0 && (load.Idle < clock.Elapsed ? load.Idle : clock.Elapsed) >= DrainQuietPeriod,
                load => $"busy ({load.InFlight} requests in flight)",
                cancellationToken);
        }
        catch (PollTimeoutException timeout)
        {
            log.Warn(timeout.Message);
        }
        return clock.Elapsed;
    }

    /// <summary>
    /// Puts things straight after a replacement that was interrupted: a <c>-next</c> container has not passed its rollout (it is
    /// renamed before the route points at it alone), so its traffic shift, if any, ends and it goes; a <c>-previous</c> one may still get traffic, so the route moves to the live container
    /// first and the previous one drains; if there is no live container, the previous one becomes it again.
    /// </summary>
    async Task SettleInterruptedReplacementAsync(LocalContainerSpec spec, IStepLog log, CancellationToken cancellationToken)
    {
        var service = spec.Service.Name;
        if (await OwnedOrNullAsync(naming.NextContainerName(service), cancellationToken) is { } next)
        {
            // A killed canary may have left the gateway sending part of the traffic to it: that ends first.
            if (await gateway.EndShiftAsync(service, cancellationToken) is { } shift)
            {
                log.Detail($"{service}: ended a traffic shift left by an interrupted deploy ({LocalTrafficShift.Figures(shift)})");
                await DrainAsync(service, shift.Upstream, log, cancellationToken);
            }
            log.Detail($"{service}: removing {naming.NextContainerName(service)} left by an interrupted deploy");
            await docker.Containers.RemoveContainerAsync(next.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken);
        }
        if (await OwnedOrNullAsync(naming.PreviousContainerName(service), cancellationToken) is not { } previous)
            return;

        var live = await InspectOrNullAsync(spec.Name, cancellationToken);
        if (live is { State.Running: true })
        {
            log.Detail($"{service}: retiring {naming.PreviousContainerName(service)} left by an interrupted deploy");
            await RouteToAsync(service, LocalContainerSpec.PortOf(live, spec.Service), log, cancellationToken);
            await DrainAsync(service, Upstream(LocalContainerSpec.PortOf(previous, spec.Service)), log, cancellationToken);
            await StopAndRemoveAsync(previous.ID, cancellationToken);
            return;
        }
        if (live is not null)
            await docker.Containers.RemoveContainerAsync(live.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken);
        log.Detail($"{service}: {naming.PreviousContainerName(service)} (left by an interrupted deploy) becomes {spec.Name} again");
        await RenameAsync(previous.ID, spec.Name, cancellationToken);
        if (previous.State is not { Running: true })
            await docker.Containers.StartContainerAsync(previous.ID, new ContainerStartParameters(), cancellationToken);
    }

    async Task UndoReplacementAsync(LocalContainerSpec spec, string previousId, string newId, IStepLog log)
    {
        var service = spec.Service.Name;
        try
        {
            // The route may have moved already; put it back before the new container goes.
            var routes = await gateway.ReadRoutesAsync(CancellationToken.None);
            var oldPort = LocalContainerSpec.PortOf(await docker.Containers.InspectContainerAsync(previousId), spec.Service);
            if (routes is not null && routes.TryGetValue(service, out var routed) && routed != Upstream(oldPort))
                await gateway.SwitchAsync(service, Upstream(oldPort), CancellationToken.None);
            await RemoveQuietlyAsync(newId);
            await RenameAsync(previousId, spec.Name, CancellationToken.None);
            log.Warn($"{service}: the replacement was undone; the previous container {previousId[..12]} keeps serving on 127.0.0.1:{oldPort}");
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or PipelineException)
        {
            log.Warn($"{service}: could not undo the replacement ({e.Message}); run the deploy again, it settles what was left");
        }
    }

    async Task<bool> IsUpToDateAndHealthyAsync(ContainerInspectResponse current, LocalContainerSpec spec, CancellationToken cancellationToken) =>
        current.State is { Running: true, Restarting: false }
        && current.Config?.Image == spec.ImageReference
        && Label(current, LocalPlatformNaming.ConfigHashLabel) == spec.ConfigHash
        && await LocalHealthProbe.IsHealthyAsync(spec.On(LocalContainerSpec.PortOf(current, spec.Service), spec.Name).HealthUrl, TimeSpan.FromSeconds(3), cancellationToken);

    /// <summary>The manifest port when nothing listens there, otherwise one the OS picks on 127.0.0.1.</summary>
    internal static int ReplacementPort(LocalContainerSpec spec)
    {
        if (ListeningPortHolder.Find(spec.Service.Port) is null)
            return spec.Service.Port;
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static Uri Upstream(int port) => new($"http://127.0.0.1:{port}/");

    /// <summary>Creates and starts the container and waits for its health check; one that does not come up is removed, its log in the error.</summary>
    internal async Task<string> StartNewAsync(LocalContainerSpec spec, CancellationToken cancellationToken)
    {
        var image = await docker.Images.InspectImageAsync(spec.ImageReference, cancellationToken);
        var created = await docker.Containers.CreateContainerAsync(spec.ToCreateParameters(LocalContainerSpec.DeclaresScratchVolume(image)), cancellationToken);
        await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancellationToken);
        await WaitUntilHealthyAsync(created.ID, spec, cancellationToken);
        return created.ID;
    }

    async Task WaitUntilHealthyAsync(string id, LocalContainerSpec spec, CancellationToken cancellationToken)
    {
        var startup = new Poll($"Service '{spec.Service.Name}' ({spec.ImageReference})", healthTimeout, HealthPollInterval)
        {
            Continues = "its container has been removed",
            Command = ForegroundRunCommand(spec),
        };
        try
        {
            await startup.UntilAsync(
                async (_, cancellationToken) =>
                {
                    var state = (await docker.Containers.InspectContainerAsync(id, cancellationToken)).State;
                    // With restart policy unless-stopped an exit shows up as a restart, not as a stopped container.
                    if (state is null || !state.Running || state.Restarting || state.ExitCode != 0)
                        await FailWithLogsAsync(id, spec, $"Service '{spec.Service.Name}' ({spec.ImageReference}) exited at start (exit code {state?.ExitCode}).", cancellationToken);
                    return await LocalHealthProbe.IsHealthyAsync(spec.HealthUrl, TimeSpan.FromSeconds(2), cancellationToken);
                },
                healthy => healthy,
                _ => $"not answering {spec.HealthUrl}",
                cancellationToken);
        }
        catch (PollTimeoutException timeout)
        {
            await FailWithLogsAsync(id, spec, timeout.Message, cancellationToken);
        }
    }

    async Task FailWithLogsAsync(string id, LocalContainerSpec spec, string failure, CancellationToken cancellationToken)
    {
        var lines = await ContainerLogTail.ReadAsync(docker, id, FailureLogLines, cancellationToken);
        // A crash-looping container would hold the name and keep restarting; remove it, its log is in the message.
        await docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, CancellationToken.None);
        var logText = lines.Count == 0 ? "  (no log output)" : string.Join("\n", lines.Select(l => "  | " + l));
        throw new PipelineException(
            $"{failure} Last {lines.Count} log lines:\n{logText}\n" +
            $"Fix the service (or its manifest services/{spec.Service.Name}/service.json) and run the deploy again.");
    }

    // The container is gone once a start has failed; this runs the same image and environment in the foreground.
    // A secret is passed by name only (docker then takes it from the caller's environment): its value is never printed.
    static string ForegroundRunCommand(LocalContainerSpec spec) =>
        string.Join(' ', new[] { "docker", "run", "--rm", "--network", "host", "--user", ServiceContainer.User }
            .Concat(spec.Service.ReadOnlyRootFilesystem ? ["--read-only", "--mount", $"type=volume,dst={ServiceContainer.ScratchPath}"] : Array.Empty<string>())
            .Concat(spec.Environment.SelectMany(variable => new[]
            {
                "-e", spec.SecretVariables.Contains(variable.Split('=', 2)[0]) ? variable.Split('=', 2)[0] : variable,
            }))
            .Append(spec.ImageReference)
            .Select(ShellQuoted));

    static string ShellQuoted(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@,+%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";

    static void EnsurePortFree(LocalContainerSpec spec)
    {
        var holder = ListeningPortHolder.Find(spec.Port);
        if (holder is not null)
            throw new PipelineException(
                $"Cannot start service '{spec.Service.Name}': {holder.Describe()} is already in use. " +
                $"Stop that process, or give the service another port in services/{spec.Service.Name}/service.json.");
    }

    async Task EnsureImagePresentAsync(LocalContainerSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            await docker.Images.InspectImageAsync(spec.ImageReference, cancellationToken);
        }
        catch (DockerImageNotFoundException)
        {
            throw new PipelineException(
                $"Image {spec.ImageReference} for service '{spec.Service.Name}' is not in the local Docker engine. " +
                "Build it first (./build.sh BuildImages), then deploy again.");
        }
    }

    async Task RenameAsync(string id, string name, CancellationToken cancellationToken) =>
        await docker.Containers.RenameContainerAsync(id, new ContainerRenameParameters { NewName = name }, cancellationToken);

    async Task StopAndRemoveAsync(string id, CancellationToken cancellationToken)
    {
        await docker.Containers.StopContainerAsync(id, new ContainerStopParameters { WaitBeforeKillSeconds = (uint)StopGracePeriod.TotalSeconds }, cancellationToken);
        await docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, CancellationToken.None);
    }

    internal async Task RemoveQuietlyAsync(string nameOrId)
    {
        try
        {
            await docker.Containers.RemoveContainerAsync(nameOrId, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, CancellationToken.None);
        }
        catch (DockerApiException)
        {
            // Already gone.
        }
    }

    /// <summary>The container by that name if this platform (its label) owns it.</summary>
    async Task<ContainerInspectResponse?> OwnedOrNullAsync(string name, CancellationToken cancellationToken) =>
        await InspectOrNullAsync(name, cancellationToken) is { } container && Label(container, LocalPlatformNaming.PlatformLabel) == naming.PlatformLabelValue
            ? container
            : null;

    async Task<ContainerInspectResponse?> InspectOrNullAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await docker.Containers.InspectContainerAsync(name, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
    }

    static string? Label(ContainerInspectResponse container, string key) =>
        container.Config?.Labels is { } labels && labels.TryGetValue(key, out var value) ? value : null;
}

public enum LocalServiceOutcome
{
    /// <summary>The running container already had this image and configuration and was healthy; nothing was touched.</summary>
    Unchanged,

    /// <summary>No container existed; one was started.</summary>
    Started,

    /// <summary>A new container was started beside the old one, the gateway switched to it, and the old one was drained and removed.</summary>
    Replaced,
}

/// <summary>
/// What <see cref="LocalServiceRunner"/> did (or, in a dry run, would do) to one service. <see cref="DirectUrl"/> is the
/// container's own address (127.0.0.1 and its port). <see cref="Unavailability"/> is how long the service had no container
/// behind the gateway during a replacement: zero when the gateway switched from the old container to the new one,
/// null when nothing was replaced or no gateway ran.
/// </summary>
public sealed record LocalServiceResult(
    string Service,
    LocalServiceOutcome Outcome,
    string ContainerName,
    string? ContainerId,
    string ImageReference,
    Uri DirectUrl,
    TimeSpan? Unavailability,
    bool DryRun);
