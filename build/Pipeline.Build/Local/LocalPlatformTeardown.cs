using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Local;

/// <summary>
/// Stops and removes what the local platform started and nothing else: containers carrying its platform label,
/// and the gateway process recorded in <c>gateway.json</c> if that PID still runs our gateway, with any other process that
/// runs this environment's gateway build (one an interrupted run started and never recorded) (Down); for Destroy, also
/// the environment's images, found by their tags.
/// </summary>
public sealed class LocalPlatformTeardown(IDockerClient docker, LocalGateway gateway, LocalPlatformNaming? naming = null)
{
    readonly LocalPlatformNaming naming = naming ?? LocalPlatformNaming.Default;

    /// <returns>The names of the containers removed (or that would be, in a dry run).</returns>
    public async Task<IReadOnlyList<string>> DownAsync(bool dryRun, IStepLog log, CancellationToken cancellationToken)
    {
        var containers = await ContainersAsync(cancellationToken);

        var removed = new List<string>();
        foreach (var container in containers)
        {
            var name = container.Names.FirstOrDefault()?.TrimStart('/') ?? container.ID[..12];
            removed.Add(name);
            if (dryRun)
            {
                log.Info($"{name}: would stop and remove (dry run)");
                continue;
            }
            await docker.Containers.StopContainerAsync(container.ID, new ContainerStopParameters { WaitBeforeKillSeconds = 10 }, cancellationToken);
            await docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken);
            log.Info($"{name}: stopped and removed");
        }
        if (containers.Count == 0)
            log.Info($"no local service containers (label {naming.PlatformFilter})");

        await StopGatewayAsync(dryRun, log, cancellationToken);
        return removed;
    }

    /// <summary>Every container carrying the platform label, running or not.</summary>
    public async Task<IList<ContainerListResponse>> ContainersAsync(CancellationToken cancellationToken) =>
        await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [naming.PlatformFilter] = true },
            },
        }, cancellationToken);

    /// <summary>
    /// The image references of an environment in the local engine: tagged <c>&lt;namespace&gt;/...</c> (built for the local
    /// platform or for AWS) or <c>&lt;registry&gt;/&lt;namespace&gt;/...</c> (built for a registry), in name order.
    /// </summary>
    /// <param name="repositoryNamespace">The environment's repository namespace, e.g. <c>apigw-local</c>.</param>
    public async Task<IReadOnlyList<string>> ImagesAsync(string repositoryNamespace, CancellationToken cancellationToken)
    {
        var space = repositoryNamespace + "/";
        var images = await docker.Images.ListImagesAsync(new ImagesListParameters { All = false }, cancellationToken);
        return images.SelectMany(i => i.RepoTags ?? [])
            .Where(tag => tag.StartsWith(space, StringComparison.Ordinal) || tag.Contains("/" + space, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Removes each image reference: the tag goes, and the image with it once no other tag names it. An image a container
    /// of something else still uses is not forced out; those are returned with the engine's reason.
    /// </summary>
    public async Task<IReadOnlyList<string>> RemoveImagesAsync(IReadOnlyList<string> references, IStepLog log, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        foreach (var reference in references)
        {
            try
            {
                await docker.Images.DeleteImageAsync(reference, new ImageDeleteParameters { Force = false }, cancellationToken);
                log.Info($"image {reference}: removed");
            }
            catch (DockerImageNotFoundException)
            {
                log.Info($"image {reference}: already gone");
            }
            catch (DockerApiException e)
            {
                var reason = e.ResponseBody is { Length: > 0 } body ? body.Trim() : e.Message;
                log.Warn($"image {reference}: not removed ({reason})");
                failures.Add($"{reference}: {reason}");
            }
        }
        return failures;
    }

    async Task StopGatewayAsync(bool dryRun, IStepLog log, CancellationToken cancellationToken)
    {
        var record = LocalGatewayRecord.Read(gateway.RecordPath);
        await gateway.StopUnrecordedAsync(record is not null && record.IsProcessAlive() ? record : null, dryRun, log, cancellationToken);
        if (record is null)
        {
            log.Info("gateway: not started by this pipeline (no gateway.json)");
            return;
        }
        if (!record.IsProcessAlive())
        {
            log.Info($"gateway: pid {record.ProcessId} no longer runs our gateway; forgetting it");
            if (!dryRun)
                File.Delete(gateway.RecordPath);
            return;
        }
        if (dryRun)
        {
            log.Info($"gateway: would stop pid {record.ProcessId} on {record.Url} (dry run)");
            return;
        }
        await ProcessSignal.TerminateAsync(record.ProcessId, TimeSpan.FromSeconds(10), cancellationToken);
        File.Delete(gateway.RecordPath);
        log.Info($"gateway: stopped pid {record.ProcessId} on {record.Url}");
    }
}
