using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// Runs each service as a container in the local engine (host network, 127.0.0.1, port from its manifest).
/// A container already running the wanted image and configuration and answering its health check is left alone;
/// otherwise it is replaced, and the previous container is put back if the new one does not come up.
/// </summary>
public sealed class LocalServiceRunner(IDockerClient docker, LocalPlatformNaming? naming = null, TimeSpan? healthTimeout = null)
{
    const int FailureLogLines = 20;
    static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(10);
    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    readonly LocalPlatformNaming naming = naming ?? LocalPlatformNaming.Default;
    readonly TimeSpan healthTimeout = healthTimeout ?? TimeSpan.FromSeconds(90);

    /// <summary>
    /// Brings every service in <paramref name="images"/> to its image, callees before callers
    /// (a service's <c>uses</c> start first), and returns what happened to each.
    /// </summary>
    public async Task<IReadOnlyList<LocalServiceResult>> EnsureRunningAsync(
        IReadOnlyList<ServiceImage> images, ServiceCatalog catalog, bool dryRun, IStepLog log, CancellationToken cancellationToken)
    {
        var results = new List<LocalServiceResult>();
        foreach (var image in StartOrder(images, catalog))
            results.Add(await EnsureOneAsync(LocalContainerSpec.For(image, catalog, naming), dryRun, log, cancellationToken));
        return results;
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
        var directUrl = new Uri($"http://127.0.0.1:{spec.Service.Port}");
        var current = await InspectOrNullAsync(spec.Name, cancellationToken);

        if (current is not null && await IsUpToDateAndHealthyAsync(current, spec, cancellationToken))
        {
            log.Info($"{service}: unchanged ({spec.ImageTag}, container {current.ID[..12]})");
            return new LocalServiceResult(service, LocalServiceOutcome.Unchanged, spec.Name, current.ID, spec.ImageReference, directUrl, null, dryRun);
        }

        var outcome = current is null ? LocalServiceOutcome.Started : LocalServiceOutcome.Replaced;
        if (dryRun)
        {
            log.Info($"{service}: would {(current is null ? "start" : "replace")} {spec.Name} with {spec.ImageReference} (dry run)");
            return new LocalServiceResult(service, outcome, spec.Name, current?.ID, spec.ImageReference, directUrl, null, true);
        }

        await EnsureImagePresentAsync(spec, cancellationToken);
        await RemoveLeftoverPreviousAsync(service, log, cancellationToken);

        if (current is null)
        {
            EnsurePortFree(spec);
            log.Info($"{service}: starting {spec.Name} from {spec.ImageReference} on 127.0.0.1:{spec.Service.Port}");
            var id = await StartNewAsync(spec, cancellationToken);
            log.Info($"{service}: healthy at {spec.HealthUrl}");
            return new LocalServiceResult(service, outcome, spec.Name, id, spec.ImageReference, directUrl, null, false);
        }

        log.Info($"{service}: replacing {spec.Name} ({Label(current, LocalPlatformNaming.ImageTagLabel) ?? current.Config?.Image} → {spec.ImageTag})");
        var unavailable = Stopwatch.StartNew();
        await docker.Containers.StopContainerAsync(current.ID, new ContainerStopParameters { WaitBeforeKillSeconds = (uint)StopGracePeriod.TotalSeconds }, cancellationToken);
        // Host networking means old and new cannot hold the port at once; keep the old one aside so a failed start can restore it.
        await docker.Containers.RenameContainerAsync(current.ID, new ContainerRenameParameters { NewName = naming.PreviousContainerName(service) }, cancellationToken);
        try
        {
            EnsurePortFree(spec);
            var id = await StartNewAsync(spec, cancellationToken);
            unavailable.Stop();
            await docker.Containers.RemoveContainerAsync(current.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
            log.Info($"{service}: healthy at {spec.HealthUrl}; unavailable for {unavailable.Elapsed.TotalSeconds:0.0} s");
            return new LocalServiceResult(service, outcome, spec.Name, id, spec.ImageReference, directUrl, unavailable.Elapsed, false);
        }
        catch
        {
            await RestorePreviousAsync(current.ID, spec, log);
            throw;
        }
    }

    async Task<bool> IsUpToDateAndHealthyAsync(ContainerInspectResponse current, LocalContainerSpec spec, CancellationToken cancellationToken) =>
        current.State is { Running: true, Restarting: false }
        && current.Config?.Image == spec.ImageReference
        && Label(current, LocalPlatformNaming.ConfigHashLabel) == spec.ConfigHash
        && await LocalHealthProbe.IsHealthyAsync(spec.HealthUrl, TimeSpan.FromSeconds(3), cancellationToken);

    async Task<string> StartNewAsync(LocalContainerSpec spec, CancellationToken cancellationToken)
    {
        var created = await docker.Containers.CreateContainerAsync(spec.ToCreateParameters(), cancellationToken);
        await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancellationToken);
        await WaitUntilHealthyAsync(created.ID, spec, cancellationToken);
        return created.ID;
    }

    async Task WaitUntilHealthyAsync(string id, LocalContainerSpec spec, CancellationToken cancellationToken)
    {
        var startup = new Poll($"Service '{spec.Service.Name}' ({spec.ImageReference})", healthTimeout, PollInterval)
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
        await docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        var logText = lines.Count == 0 ? "  (no log output)" : string.Join("\n", lines.Select(l => "  | " + l));
        throw new PipelineException(
            $"{failure} Last {lines.Count} log lines:\n{logText}\n" +
            $"Fix the service (or its manifest services/{spec.Service.Name}/service.json) and run the deploy again.");
    }

    // The container is gone once a start has failed; this runs the same image and environment in the foreground.
    static string ForegroundRunCommand(LocalContainerSpec spec) =>
        string.Join(' ', new[] { "docker", "run", "--rm", "--network", "host" }
            .Concat(spec.Environment.SelectMany(variable => new[] { "-e", variable }))
            .Append(spec.ImageReference)
            .Select(ShellQuoted));

    static string ShellQuoted(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@,+%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";

    void EnsurePortFree(LocalContainerSpec spec)
    {
        var holder = ListeningPortHolder.Find(spec.Service.Port);
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

    async Task RemoveLeftoverPreviousAsync(string service, IStepLog log, CancellationToken cancellationToken)
    {
        var leftover = await InspectOrNullAsync(naming.PreviousContainerName(service), cancellationToken);
        if (leftover is null || Label(leftover, LocalPlatformNaming.PlatformLabel) != naming.PlatformLabelValue)
            return;
        log.Detail($"{service}: removing {leftover.Name.TrimStart('/')} left by an interrupted deploy");
        await docker.Containers.RemoveContainerAsync(leftover.ID, new ContainerRemoveParameters { Force = true }, cancellationToken);
    }

    async Task RestorePreviousAsync(string previousId, LocalContainerSpec spec, IStepLog log)
    {
        try
        {
            var failed = await InspectOrNullAsync(spec.Name, CancellationToken.None);
            if (failed is not null)
                await docker.Containers.RemoveContainerAsync(failed.ID, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
            await docker.Containers.RenameContainerAsync(previousId, new ContainerRenameParameters { NewName = spec.Name }, CancellationToken.None);
            await docker.Containers.StartContainerAsync(previousId, new ContainerStartParameters(), CancellationToken.None);
            log.Warn($"{spec.Service.Name}: the new container failed; the previous container {previousId[..12]} is running again");
        }
        catch (DockerApiException e)
        {
            log.Warn($"{spec.Service.Name}: could not restore the previous container {previousId[..12]}: {e.Message}");
        }
    }

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

    /// <summary>The old container was stopped and a new one started in its place.</summary>
    Replaced,
}

/// <summary>
/// What <see cref="LocalServiceRunner"/> did (or, in a dry run, would do) to one service.
/// <see cref="Unavailability"/> is the time from stopping the old container to the new one answering its health check.
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
