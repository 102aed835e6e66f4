using Docker.DotNet;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// Destroy on the local platform: <c>Down</c> (the environment's containers and its gateway) plus the environment's images
/// in the local engine (every tag under <c>apigw-&lt;env&gt;/</c>, also <c>&lt;registry&gt;/apigw-&lt;env&gt;/</c>) and its
/// token issuer's key, so tokens issued for the destroyed environment are worthless and a new one starts fresh. Shows what
/// goes before anything goes; a dry run stops there; an environment of which nothing is left is a no-op. Images pushed to a
/// registry stay there, and so do base images and build cache, which other environments share.
/// </summary>
public sealed class LocalEnvironmentDestroyer(IDockerClient docker, LocalGateway gateway, string environment)
{
    readonly LocalPlatformTeardown teardown = new(docker, gateway, LocalPlatformNaming.ForEnvironment(environment));

    /// <summary>The gateway of <paramref name="settings"/>' environment, where <see cref="LocalPlatform"/> keeps it.</summary>
    public static LocalEnvironmentDestroyer For(DeploySettings settings, IDockerClient docker) =>
        new(docker, new LocalGateway(settings.RootDirectory, Path.Combine(settings.ArtifactsDirectory, settings.Environment), settings.Environment), settings.Environment);

    /// <param name="confirm">Asked once what goes has been shown and before anything changes; throws to stop.</param>
    /// <returns>What was removed (or, in a dry run, would be).</returns>
    public async Task<LocalDestroyOutcome> DestroyAsync(Func<CancellationToken, Task> confirm, bool dryRun, IStepLog log, CancellationToken ct)
    {
        var containers = (await teardown.ContainersAsync(ct)).Select(c => c.Names.FirstOrDefault()?.TrimStart('/') ?? c.ID[..12]).Order(StringComparer.Ordinal).ToList();
        var images = await teardown.ImagesAsync(DeploymentNames.RepositoryNamespace(environment), ct);
        var record = LocalGatewayRecord.Read(gateway.RecordPath);
        var gatewayRuns = record?.IsProcessAlive() == true || gateway.RunningProcesses().Count > 0;
        var issuerKey = File.Exists(gateway.IssuerFile);
        if (containers.Count == 0 && images.Count == 0 && !gatewayRuns && !issuerKey)
        {
            if (record is not null && !dryRun)
                File.Delete(gateway.RecordPath);
            log.Info($"Nothing of environment {environment} exists on the local platform: no container, no gateway, no image. Nothing to remove.");
            return new LocalDestroyOutcome([], [], NothingExisted: true);
        }

        var verb = dryRun ? "would remove" : "removes";
        log.Info($"Destroy {verb} environment {environment} from the local platform:");
        log.Info($"  containers: {(containers.Count == 0 ? "none" : string.Join(", ", containers))}");
        log.Info($"  gateway: {(gatewayRuns ? GatewayProcesses(record) : "not running")}");
        log.Info($"  images: {(images.Count == 0 ? "none" : string.Join(", ", images))}");
        log.Info($"  token issuer key: {(issuerKey ? gateway.IssuerFile : "none")}");
        log.Info("  Base images, build cache and images pushed to a registry (--registry) are not touched.");
        if (dryRun)
        {
            log.Info("Dry run: nothing was removed.");
            return new LocalDestroyOutcome(containers, images, NothingExisted: false);
        }
        await confirm(ct);

        await teardown.DownAsync(dryRun: false, log, ct);
        if (issuerKey)
        {
            File.Delete(gateway.IssuerFile);
            log.Info($"token issuer key {gateway.IssuerFile}: removed (tokens of this environment are no longer accepted anywhere)");
        }
        var failures = await teardown.RemoveImagesAsync(images, log, ct);
        if (failures.Count > 0)
            throw new PipelineException(
                $"Environment {environment}: its containers and gateway are removed, but {failures.Count} image(s) are not:\n  {string.Join("\n  ", failures)}\n" +
                "Remove what still uses them (docker ps -a --filter ancestor=<image>), then run Destroy again, or remove them with: docker image rm --force <image>.");
        log.Info($"Environment {environment} is removed from the local platform: {containers.Count} container(s), " +
                 $"{(gatewayRuns ? "its gateway, " : "")}{images.Count} image reference(s).");
        return new LocalDestroyOutcome(containers, images, NothingExisted: false);
    }

    string GatewayProcesses(LocalGatewayRecord? record)
    {
        var pids = gateway.RunningProcesses().Union(record?.IsProcessAlive() == true ? [record.ProcessId] : []).Order().ToList();
        return $"pid {string.Join(", ", pids)}" + (record is null ? "" : $" on {record.Url}");
    }
}

/// <summary>The containers and image references a local Destroy removed; <see cref="NothingExisted"/> for a second run.</summary>
public sealed record LocalDestroyOutcome(IReadOnlyList<string> Containers, IReadOnlyList<string> Images, bool NothingExisted);
