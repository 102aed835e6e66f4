using System.Diagnostics;
using System.Globalization;
using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Local;
using Pipeline.Manifests;

namespace Pipeline.Build.Dev;

/// <summary>
/// The inner loop (<c>./build.sh Dev</c>), after the platform is up as a Deploy leaves it. Each watched service's saves are
/// taken one batch at a time:
/// <list type="number">
/// <item>a snapshot of what the service serves is made (sources copied, or built on this machine);</item>
/// <item>a container of the service's own image, with the snapshot mounted read-only, starts beside the serving one while the
/// unit tests run on the same snapshot;</item>
/// <item>only when both have passed does the gateway switch to it (as a Redeploy switches), and the container that served
/// before drains and goes.</item>
/// </list>
/// A save that does not compile, fails a unit test or does not come up is reported and never served: the last good version
/// keeps serving. A save to the dependencies, the Dockerfile or the manifest builds a new image and rolls it out as a
/// Redeploy does. When the session ends (Ctrl-C), the gateway switches back to each service's deployed container, which
/// never stopped, and every container, snapshot and build server of the session goes: the platform is as the Deploy left it.
/// </summary>
public sealed class DevSession(
    DevContext context, LocalServiceRunner runner, ServiceCatalog catalog, Func<ServiceImage, LocalContainerSpec> specFor,
    Func<ServiceManifest, CancellationToken, Task<ServiceImage>> rebuild, IStepLog log)
{
    /// <summary>How long a dev container may take to answer its health check.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    readonly Lock statusGate = new();
    readonly List<DevService> services = [];
    readonly List<Task> retirements = [];

    public async Task RunAsync(IReadOnlyList<ServiceImage> images, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(context.DevDirectory);
        await RemoveLeftoversAsync(images.Select(i => i.Service.Name).ToList(), cancellationToken);
        try
        {
            foreach (var image in images)
            {
                Directory.CreateDirectory(context.SnapshotsOf(image.Service.Name));
                var reload = IServiceReload.ForService(image.Service, context);
                services.Add(new DevService(reload, image, new SourceWatcher(image.Service.Directory)));
                await reload.StartAsync(image, log, cancellationToken);
            }
            log.Info($"watching {string.Join(", ", services.Select(s => $"services/{s.Name}"))}: a save is served through the gateway once its unit tests pass; Ctrl-C ends the session");
            PrintStatus();
            await Task.WhenAll(services.Select(s => WatchAsync(s, cancellationToken)));
        }
        finally
        {
            await EndAsync();
        }
    }

    async Task WatchAsync(DevService service, CancellationToken cancellationToken)
    {
        while (true)
        {
            var batch = await service.Watcher.NextBatchAsync(cancellationToken);
            var kind = service.Reload.Classify(batch.Paths);
            if (kind == ReloadKind.Ignore)
                continue;
            var clock = Stopwatch.StartNew();
            var sinceSave = DateTimeOffset.UtcNow - batch.FirstSeenAt;
            var changed = string.Join(", ", batch.Paths.Take(3)) + (batch.Paths.Count > 3 ? $" and {batch.Paths.Count - 3} more" : "");
            try
            {
                if (kind == ReloadKind.Rebuild)
                    await RebuildAsync(service, changed, cancellationToken);
                else
                    await ReloadAsync(service, changed, clock, sinceSave, cancellationToken);
            }
            catch (PipelineException e) when (!cancellationToken.IsCancellationRequested)
            {
                service.Failure = e is ReloadFailedException ? "build failing" : "failed";
                log.Warn($"{service.Name}: {e.Message}" + (e is ReloadFailedException failed ? "\n    " + string.Join("\n    ", failed.Lines) : ""));
                log.Warn($"{service.Name}: not served; {service.ServingDescription} keeps serving. Save a fix to try again.");
            }
            catch (DockerApiException e) when (!cancellationToken.IsCancellationRequested)
            {
                service.Failure = "failed";
                log.Warn($"{service.Name}: the Docker engine refused a step ({e.StatusCode}: {e.ResponseBody?.Trim()}); {service.ServingDescription} keeps serving. Save again to retry.");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                // A file that went while it was copied (an editor's temporary file), or a gateway that did not answer the switch.
                service.Failure = "failed";
                log.Warn($"{service.Name}: {e.Message}; {service.ServingDescription} keeps serving. Save again to retry.");
            }
            PrintStatus();
        }
    }

    async Task ReloadAsync(DevService service, string changed, Stopwatch clock, TimeSpan sinceSave, CancellationToken cancellationToken)
    {
        var number = ++service.Changes;
        var snapshot = Path.Combine(context.SnapshotsOf(service.Name), number.ToString(CultureInfo.InvariantCulture));
        DeleteFolder(snapshot);
        Directory.CreateDirectory(snapshot);
        try
        {
            await service.Reload.PrepareAsync(snapshot, cancellationToken);
            var version = $"{service.Image.Tag}-dev{number}";
            var spec = DevContainerSpec(service, snapshot, version, number);
            // The container starts while the tests run: whichever takes longer sets the time to served.
            var starting = runner.StartNewAsync(spec, cancellationToken);
            UnitTestRun tests;
            try
            {
                tests = await service.Reload.TestAsync(snapshot, cancellationToken);
            }
            catch
            {
                await RemoveStartedAsync(starting);
                throw;
            }
            service.Tests = tests;
            if (!tests.Passed)
            {
                await RemoveStartedAsync(starting);
                service.Failure = "tests failing";
                log.Warn($"{service.Name}: {changed}: unit tests failed ({tests.Summary}); not served, {service.ServingDescription} keeps serving\n    " +
                         string.Join("\n    ", tests.FailureLines));
                DeleteFolder(snapshot);
                return;
            }

            var id = await starting;
            await runner.RouteToAsync(service.Name, spec.Port, new QuietStepLog(log), cancellationToken);
            var previous = service.Serving;
            service.Serving = new DevContainer(id, spec.Name, spec.Port, snapshot, version);
            service.ServedAt = DateTimeOffset.Now;
            service.Failure = null;
            log.Info($"{service.Name}: {changed}: served as {version} {Poll.Format(sinceSave + clock.Elapsed)} after the save " +
                     $"(tests {Poll.Format(tests.Duration)}: {tests.Summary})");
            if (previous is not null)
                Retire(service.Name, previous);
        }
        catch
        {
            if (service.Serving?.Snapshot != snapshot)
                DeleteFolder(snapshot);
            throw;
        }
    }

    /// <summary>A container that was starting for a save that will not be served: it goes, whether or not it came up.</summary>
    async Task RemoveStartedAsync(Task<string> starting)
    {
        try
        {
            await runner.RemoveQuietlyAsync(await starting);
        }
        catch (Exception e) when (e is PipelineException or DockerApiException or OperationCanceledException)
        {
            // It did not come up; StartNewAsync removed it already.
        }
    }

    /// <summary>A new image, rolled out as a Redeploy rolls it (rolling, new beside old); then the dev container that served goes.</summary>
    async Task RebuildAsync(DevService service, string changed, CancellationToken cancellationToken)
    {
        log.Info($"{service.Name}: {changed} changed: building a new image and rolling it out, as ./build.sh Redeploy --service {service.Name} does");
        var clock = Stopwatch.StartNew();
        var image = await rebuild(service.Reload.Service, cancellationToken);
        await runner.EnsureRunningAsync([image], catalog, dryRun: false, new PrefixedStepLog(log, "rebuild"), cancellationToken);
        service.Image = image;
        if (service.Serving is { } previous)
        {
            service.Serving = null;
            Retire(service.Name, previous);
        }
        service.ServedAt = DateTimeOffset.Now;
        service.Failure = null;
        await service.Reload.StartAsync(image, log, cancellationToken);
        log.Info($"{service.Name}: serving the new image {image.Tag} {Poll.Format(clock.Elapsed)} after the save");
    }

    LocalContainerSpec DevContainerSpec(DevService service, string snapshot, string version, int number)
    {
        var deployed = specFor(service.Image);
        var port = LocalServiceRunner.ReplacementPort(deployed);
        var spec = deployed.On(port, $"{context.Naming.ContainerName(service.Name)}-dev-{number.ToString(CultureInfo.InvariantCulture)}");
        return spec with
        {
            SourceMounts = service.Reload.Mounts(snapshot),
            Labels = new Dictionary<string, string>(spec.Labels) { [DevContext.DevLabel] = number.ToString(CultureInfo.InvariantCulture) },
            Environment = spec.Environment.Where(e => !e.StartsWith("SERVICE_VERSION=", StringComparison.Ordinal)).Append($"SERVICE_VERSION={version}").ToList(),
        };
    }

    /// <summary>The container that served before drains (in the background: the next save need not wait) and goes, with its snapshot.</summary>
    void Retire(string service, DevContainer container)
    {
        lock (retirements)
            retirements.Add(Task.Run(async () =>
            {
                await runner.DrainAsync(service, LocalServiceRunner.Upstream(container.Port), new QuietStepLog(log), CancellationToken.None);
                await runner.RemoveQuietlyAsync(container.Id);
                DeleteFolder(container.Snapshot);
            }));
    }

    /// <summary>The gateway goes back to each deployed container; every container, snapshot and build server of the session goes.</summary>
    async Task EndAsync()
    {
        foreach (var service in services)
        {
            service.Watcher.Dispose();
            try
            {
                if (service.Serving is { } serving)
                {
                    var deployed = await context.Docker.Containers.InspectContainerAsync(context.Naming.ContainerName(service.Name));
                    await runner.RouteToAsync(service.Name, LocalContainerSpec.PortOf(deployed, service.Reload.Service), new QuietStepLog(log), CancellationToken.None);
                    Retire(service.Name, serving);
                    service.Serving = null;
                }
            }
            catch (Exception e) when (e is DockerApiException or PipelineException or HttpRequestException)
            {
                log.Warn($"{service.Name}: could not switch the gateway back to its deployed container ({e.Message}); ./build.sh Deploy does");
            }
            await service.Reload.DisposeAsync();
        }
        List<Task> pending;
        lock (retirements)
            pending = [.. retirements];
        await Task.WhenAll(pending);
        await RemoveLeftoversAsync(services.Select(s => s.Name).ToList(), CancellationToken.None);
        DeleteFolder(context.DevDirectory);
        log.Info("Dev ended: the gateway routes to the deployed containers again (the images of the last Deploy); the session's containers, " +
                 "snapshots and build servers are gone. Saves made during the session are in your working tree only: ./build.sh Deploy ships them.");
    }

    /// <summary>Containers of a session that ended without cleaning up (killed): the gateway is moved off them first by the Deploy that preceded.</summary>
    async Task RemoveLeftoversAsync(IReadOnlyList<string> serviceNames, CancellationToken cancellationToken)
    {
        var leftovers = await context.Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [context.Naming.PlatformFilter] = true, [DevContext.DevLabel] = true },
            },
        }, cancellationToken);
        foreach (var container in leftovers.Where(c => c.Labels.TryGetValue(LocalPlatformNaming.ServiceLabel, out var s) && serviceNames.Contains(s)))
        {
            if (container.State == "running" && container.Labels.TryGetValue(LocalPlatformNaming.PortLabel, out var port))
                await runner.DrainAsync(container.Labels[LocalPlatformNaming.ServiceLabel], LocalServiceRunner.Upstream(int.Parse(port, CultureInfo.InvariantCulture)),
                    new QuietStepLog(log), cancellationToken);
            await runner.RemoveQuietlyAsync(container.ID);
        }
    }

    void PrintStatus()
    {
        lock (statusGate)
            foreach (var service in services)
                log.Info($"status | {service.StatusLine(services.Max(s => s.Name.Length))}");
    }

    static void DeleteFolder(string path)
    {
        try
        {
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A snapshot still mounted by a container being removed; the session's end removes the whole folder.
        }
    }
}

/// <summary>One watched service in a Dev session: its reload, the image it runs, the dev container that serves (if any) and its last outcome.</summary>
public sealed class DevService(IServiceReload reload, ServiceImage image, SourceWatcher watcher)
{
    public IServiceReload Reload { get; } = reload;

    public SourceWatcher Watcher { get; } = watcher;

    public string Name => Reload.Service.Name;

    public ServiceImage Image { get; set; } = image;

    public DevContainer? Serving { get; set; }

    public int Changes { get; set; }

    public DateTimeOffset? ServedAt { get; set; }

    public UnitTestRun? Tests { get; set; }

    public string? Failure { get; set; }

    public string ServingDescription => Serving is { } serving ? $"{serving.Version} (the last good save)" : $"the deployed image {Image.Tag}";

    public string StatusLine(int nameWidth) =>
        $"{Name.PadRight(nameWidth)}  serving {(Serving is { } serving ? serving.Version : Image.Tag + " (deployed image)")}" +
        $"  reloaded {(ServedAt is { } at ? at.ToString("HH:mm:ss", CultureInfo.InvariantCulture) : "never")}" +
        $"  tests {(Tests is null ? "not run yet" : Tests.Passed ? "passing" : "FAILING")}" +
        (Failure is { } failure ? $"  last save: {failure}" : "");
}

/// <summary>A dev container: the save it serves (<see cref="Version"/>), on which port, from which snapshot.</summary>
public sealed record DevContainer(string Id, string Name, int Port, string Snapshot, string Version);
