using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.History;

/// <summary>
/// The images a deploy ran, as the history records them: each gets a second, protected tag <c>deployed-&lt;history id&gt;</c>
/// after a successful run (ECR: BatchGetImage, then PutImage of the same manifest under the new tag; a plain registry:
/// GET the manifest, PUT the same bytes under the new tag). Tags stay immutable: the new tag is a new name for the same digest.
/// </summary>
/// <remarks>
/// The ECR lifecycle policy keeps the <c>KeepDeployedImages</c> most recently <em>pushed</em> images with a <c>deployed-</c>
/// tag (ECR orders images by push time, not by tag time). An image rolled back to may be older than others, so the
/// pipeline keeps the set of protected images exact: after each successful run it takes the <c>deployed-</c> tag off
/// images that are no longer among the last <c>KeepDeployedImages</c> successful deploys of their service. At most that
/// many protected images remain per repository, and the policy expires none of them.
/// </remarks>
internal sealed class DeployHistoryImages(AwsConnection aws, HttpClient http, string environment, bool usesEcr, RegistryCredentials? credentials)
{
    /// <summary>How many records, newest first, are read to find each service's last deploys before old tags are released.</summary>
    internal const int MaxRecordsScanned = 200;

    public static string ProtectedTag(string historyId) => DeploymentNames.DeployedImageTagPrefix + historyId;

    /// <summary>Gives each image its protected tag; an image that cannot be tagged is recorded without one, with a warning.</summary>
    public async Task<IReadOnlyList<HistoryImage>> ProtectAsync(IReadOnlyList<ServiceImage> images, string historyId, IStepLog log, CancellationToken ct)
    {
        var tag = ProtectedTag(historyId);
        return await Task.WhenAll(images.Select(async image =>
        {
            try
            {
                var digest = usesEcr ? await TagInEcrAsync(image, tag, ct) : await TagInRegistryAsync(image, tag, ct);
                log.Info($"{image.Service.Name}: {image.Reference} also tagged {tag}" + (usesEcr ? " (kept by the lifecycle policy)" : ""));
                return new HistoryImage(image.Service.Name, image.Repository, image.Tag, digest ?? image.Digest) { ProtectedTag = tag };
            }
            catch (PipelineException e) when (!ct.IsCancellationRequested)
            {
                log.Warn($"{image.Service.Name}: could not tag {image.Reference} as {tag}: {e.Message} " +
                         (usesEcr ? "The lifecycle policy does not protect this image for rollbacks." : ""));
                return new HistoryImage(image.Service.Name, image.Repository, image.Tag, image.Digest ?? await DigestOrNullAsync(image, ct));
            }
        }));
    }

    /// <summary>The images as they are, digests looked up where the run did not learn them (a run that did not succeed).</summary>
    public async Task<IReadOnlyList<HistoryImage>> DescribeAsync(IReadOnlyList<ServiceImage> images, CancellationToken ct) =>
        await Task.WhenAll(images.Select(async image =>
            new HistoryImage(image.Service.Name, image.Repository, image.Tag, image.Digest ?? await DigestOrNullAsync(image, ct))));

    /// <summary>The digest of <paramref name="repository"/>:<paramref name="tag"/>, or null when the registry does not have it.</summary>
    public async Task<string?> FindAsync(string repository, string tag, CancellationToken ct)
    {
        using var registry = new RegistryClient();
        return await registry.TryGetDigestAsync(repository, tag, credentials, ct);
    }

    async Task<string?> TagInEcrAsync(ServiceImage image, string tag, CancellationToken ct)
    {
        var ecr = new EcrClient(aws, http);
        var repository = DeploymentNames.Repository(environment, image.Service.Name);
        var manifest = await ecr.BatchGetImageAsync(repository, image.Tag, ct)
            ?? throw new PipelineException($"ECR repository {repository} has no image tagged {image.Tag}.");
        await ecr.PutImageTagAsync(repository, manifest, tag, ct);
        return manifest.Digest.Length > 0 ? manifest.Digest : null;
    }

    async Task<string?> TagInRegistryAsync(ServiceImage image, string tag, CancellationToken ct)
    {
        using var registry = new RegistryClient();
        var manifest = await registry.GetManifestAsync(image.Repository, image.Tag, credentials, ct)
            ?? throw new PipelineException($"Registry has no {image.Reference}.");
        return await registry.PutManifestAsync(image.Repository, tag, manifest, credentials, ct);
    }

    async Task<string?> DigestOrNullAsync(ServiceImage image, CancellationToken ct)
    {
        try
        {
            if (!usesEcr)
                return await FindAsync(image.Repository, image.Tag, ct);
            var manifest = await new EcrClient(aws, http).BatchGetImageAsync(DeploymentNames.Repository(environment, image.Service.Name), image.Tag, ct);
            return manifest?.Digest is { Length: > 0 } digest ? digest : null;
        }
        catch (PipelineException)
        {
            return null;
        }
    }

    /// <summary>
    /// Takes the <c>deployed-</c> tag off ECR images no longer among the last <paramref name="keep"/> successful deploys of their
    /// service (only tags older than the oldest kept one, so a deploy recorded meanwhile keeps its own; never an image's last tag).
    /// Failures are warnings: the lifecycle policy still keeps <paramref name="keep"/> protected images.
    /// </summary>
    public async Task ReleaseOldProtectedTagsAsync(DeployHistory history, IReadOnlyList<string> services, int keep, IStepLog log, CancellationToken ct)
    {
        try
        {
            var kept = services.ToDictionary(s => s, _ => new List<string>(), StringComparer.Ordinal);
            var listing = await history.ListAsync(ct);
            await foreach (var record in history.ReadAllAsync(listing.IdsNewestFirst.Take(MaxRecordsScanned).ToList(), log, ct))
            {
                if (record.Succeeded)
                    foreach (var image in record.Services.Where(i => i.ProtectedTag is not null))
                        if (kept.TryGetValue(image.Service, out var ids) && ids.Count < keep)
                            ids.Add(record.Id);
                if (kept.Values.All(ids => ids.Count >= keep))
                    break;
            }
            var ecr = new EcrClient(aws, http);
            foreach (var (service, ids) in kept.Where(k => k.Value.Count >= keep))
                await ReleaseAsync(ecr, service, ids, keep, log, ct);
        }
        catch (PipelineException e) when (!ct.IsCancellationRequested)
        {
            log.Warn($"deploy history: could not release the protected tags of older deploys: {e.Message}");
        }
    }

    async Task ReleaseAsync(EcrClient ecr, string service, IReadOnlyList<string> keptIdsNewestFirst, int keep, IStepLog log, CancellationToken ct)
    {
        var repository = DeploymentNames.Repository(environment, service);
        var oldestKept = keptIdsNewestFirst[^1];
        var released = new List<string>();
        foreach (var image in await ecr.DescribeImagesAsync(repository, ct))
        {
            var tagsLeft = image.Tags.Count;
            foreach (var tag in image.Tags.Where(t => t.StartsWith(DeploymentNames.DeployedImageTagPrefix, StringComparison.Ordinal)))
            {
                var id = tag[DeploymentNames.DeployedImageTagPrefix.Length..];
                if (keptIdsNewestFirst.Contains(id) || string.CompareOrdinal(id, oldestKept) >= 0 || tagsLeft <= 1)
                    continue;
                if (await ecr.UntagImageAsync(repository, tag, ct))
                {
                    released.Add(tag);
                    tagsLeft--;
                }
            }
        }
        if (released.Count > 0)
            log.Info($"{service}: {released.Count} image tag(s) {string.Join(", ", released.Order(StringComparer.Ordinal))} released: " +
                     $"not among the last {keep} successful deploys of {service}, so the lifecycle policy may expire those images.");
    }
}
