using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.History;

/// <summary>
/// Promotion (<c>./build.sh Deploy --profile prod --promote-from dev</c>): a Deploy of this environment whose images are not
/// built but taken from a successful deploy of another environment, as its deploy history recorded them (tag and digest),
/// and copied by digest from that environment's registry into this one's. The stacks come from this checkout as in any Deploy.
/// </summary>
/// <remarks>
/// Copy, not one registry shared by the environments: each environment keeps its own registry stack, so prod's task
/// execution role pulls only from prod's repositories, prod's lifecycle policy and its <c>deployed-</c> tags keep the
/// images prod's rollbacks need however much dev churns, and <c>Destroy --include-images</c> of dev never takes an image
/// prod runs. The copy moves the manifest's exact bytes, so prod runs the very digests dev verified.
/// </remarks>
internal sealed class ImagePromotion(AwsConnection aws, DeploySettings settings)
{
    /// <summary>Reads the source environment's history (same account and region) and picks the images to promote.</summary>
    public async Task<PromotionPlan> PlanAsync(string source, string? recordId, IStepLog log, CancellationToken ct)
    {
        var (history, _) = await DeployHistory.ForAccountAsync(aws, source, ct);
        var listing = await history.ListAsync(ct);
        if (listing.IdsNewestFirst.Count == 0)
            throw new PipelineException(
                $"--promote-from {source}: environment {source} has no deploy history in s3://{history.BucketName}/{history.Prefix}" +
                (listing.BucketMissing ? $" (bucket {history.BucketName} does not exist in this account and region)" : "") +
                $", so there are no verified images to promote. Deploy {source} first (./build.sh Deploy --profile <profile of {source}>): its record names the images. " +
                $"Promotion reads the history of the account and region {settings.Environment} deploys to ({aws.Region}).");
        var cursor = new DeployHistoryCursor(listing.IdsNewestFirst, history.ReadAllAsync(listing.IdsNewestFirst, log, ct));
        var plan = await PromotionPlanner.PlanAsync(cursor, source, recordId, [.. settings.Catalog.Names], ct);
        await DescribeAsync(plan, log, ct);
        return plan;
    }

    /// <summary>The images this environment deploys: the promoted tags, in this environment's repositories, with the source digests.</summary>
    public static IReadOnlyList<ServiceImage> ImagesIn(PromotionPlan plan, ImageDestination destination, ServiceCatalog catalog) =>
        plan.Images.Select(p => new ServiceImage(catalog[p.Service], $"{destination.RepositoryRoot}/{p.Service}", p.Image.Tag) { Digest = p.Image.Digest }).ToList();

    /// <summary>
    /// Copies each promoted image into <paramref name="destination"/> by digest (all at once); the destination's repositories
    /// must exist (the registry stack is deployed first). Returns the images with the digests the copy confirmed.
    /// </summary>
    public async Task<IReadOnlyList<ServiceImage>> CopyAsync(
        PromotionPlan plan, IReadOnlyList<ServiceImage> images, ImageDestination destination, IStepLog log, CancellationToken ct)
    {
        using var registry = new RegistryClient();
        var copier = new RegistryCopier(registry);
        var copies = images.Select(async image =>
        {
            var serviceLog = new PrefixedStepLog(log, image.Service.Name);
            var source = plan.Images.Single(p => p.Service == image.Service.Name);
            var sourceCredentials = CredentialsFor(source.Image.Repository, destination.Credentials);
            var digest = source.Image.Digest;
            if (digest is null)
            {
                digest = await registry.TryGetDigestAsync(source.Image.Repository, source.Image.Tag, sourceCredentials, ct)
                    ?? throw new PipelineException(
                        $"{image.Service.Name}: {source.FromRecord} recorded {source.Image.Repository}:{source.Image.Tag} without a digest, and the registry has no such tag any more. " +
                        $"Deploy {plan.SourceEnvironment} again, then promote its new record.");
                serviceLog.Warn($"{source.FromRecord} recorded no digest for {source.Image.Repository}:{source.Image.Tag}; promoting the image that tag names now, {digest}");
            }
            await copier.CopyAsync(source.Image.Repository, digest, image.Repository, image.Tag, sourceCredentials, destination.Credentials, settings.DryRun, serviceLog, ct);
            return image with { Digest = digest };
        }).ToList();
        return await PerService.RunAllAsync(copies, ct);
    }

    /// <summary>
    /// The login for the source registry: the destination's when it is the same registry, or another ECR registry (an ECR
    /// token serves every registry of the region the caller may read); none otherwise.
    /// </summary>
    static RegistryCredentials? CredentialsFor(string sourceRepository, RegistryCredentials? destinationCredentials)
    {
        if (destinationCredentials is null)
            return null;
        var host = RegistryClient.SplitRepository(sourceRepository).Host;
        static bool IsEcr(string h) => h.Contains(".dkr.ecr.", StringComparison.Ordinal);
        return host == destinationCredentials.Server || (IsEcr(host) && IsEcr(destinationCredentials.Server)) ? destinationCredentials : null;
    }

    async Task DescribeAsync(PromotionPlan plan, IStepLog log, CancellationToken ct)
    {
        var record = plan.Record;
        log.Info($"Promotion to {settings.Environment}: the images of {plan.SourceEnvironment}'s {record.Target} {record.Id} " +
                 $"({record.Outcome}, by {record.Caller.Short()} at {record.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, commit {record.Git.Short()}); nothing is built.");
        var table = new TextTable("Service", "Tag", "Digest", "From record");
        foreach (var image in plan.Images)
            table.Add(image.Service, image.Image.Tag, image.Image.Digest ?? "(not recorded)", image.FromRecord);
        foreach (var line in table.ToLines(indent: ""))
            log.Info(line);
        var checkout = await DeployHistoryRecorder.SourceAsync(settings.RootDirectory, ct);
        if (checkout.Commit != HistorySource.UnknownCommit && record.Git.Commit != HistorySource.UnknownCommit && checkout.Commit != record.Git.Commit)
            log.Warn($"the stacks come from this checkout (commit {checkout.Short()}) and the images from commit {record.Git.Short()}: " +
                     $"check out {record.Git.Short()} to deploy {settings.Environment} exactly as {plan.SourceEnvironment} ran it.");
    }
}

/// <summary>
/// Picks what a promotion deploys from the source environment's history: the record named by <c>--promote-record</c>, or
/// the newest successful one; per service, the image of the newest successful record up to it that deployed the service
/// (a Redeploy records only the services it rolled). Every service must have one.
/// </summary>
public static class PromotionPlanner
{
    const int RecentShown = 10;

    public static async Task<PromotionPlan> PlanAsync(
        DeployHistoryCursor history, string source, string? recordId, IReadOnlyList<string> services, CancellationToken ct)
    {
        var index = -1;
        for (var i = 0; await history.AtAsync(i, ct) is { } record; i++)
            if (recordId is null ? record.Succeeded : record.Id == recordId)
            {
                index = i;
                break;
            }
        if (index < 0)
            throw new PipelineException(recordId is null
                ? $"--promote-from {source}: no deploy of {source} succeeded yet, so there are no verified images to promote. Recent records, newest first:\n{await RecentAsync(history, ct)}"
                : $"--promote-record {recordId}: environment {source} has no history record with that id. Recent records, newest first:\n{await RecentAsync(history, ct)}");

        var chosen = (await history.AtAsync(index, ct))!;
        if (!chosen.Succeeded)
            throw new PipelineException(
                $"--promote-record {recordId}: that {chosen.Target} of {source} ended {chosen.Outcome}, so its images were never verified; promote a successful record. " +
                $"Recent records, newest first:\n{await RecentAsync(history, ct)}");

        var state = await RollbackPlanner.ImagesAsOfAsync(history, index, services, ct);
        var missing = services.Where(s => !state.ContainsKey(s)).ToList();
        if (missing.Count > 0)
            throw new PipelineException(
                $"--promote-from {source}: no successful deploy of {source} up to {chosen.Id} deployed {string.Join(", ", missing)}, so there is no verified image to promote " +
                $"for {(missing.Count == 1 ? "it" : "them")}. Deploy {source} with every service (./build.sh Deploy --profile <profile of {source}>), then promote that record.");
        return new PromotionPlan(source, chosen, services.Select(s => new PromotedImage(s, state[s].Image, state[s].RecordId)).ToList());
    }

    static async Task<string> RecentAsync(DeployHistoryCursor history, CancellationToken ct)
    {
        var table = new TextTable("Id", "Target", "Outcome", "Images");
        for (var i = 0; i < RecentShown && await history.AtAsync(i, ct) is { } record; i++)
            table.Add(record.Id, record.Target, record.Outcome, string.Join(", ", record.Services.Select(s => $"{s.Service} {s.Tag}")));
        return string.Join("\n", table.ToLines());
    }
}

/// <summary>What a promotion deploys: the source environment's record and, per service, the image it promotes.</summary>
public sealed record PromotionPlan(string SourceEnvironment, DeployHistoryRecord Record, IReadOnlyList<PromotedImage> Images)
{
    /// <summary><c>dev/20261201T153012Z-3f2a</c>: where the images come from, as this environment's records say.</summary>
    public string Reference => $"{SourceEnvironment}/{Record.Id}";
}

/// <summary>One service's promoted image and the source record that deployed it.</summary>
public sealed record PromotedImage(string Service, HistoryImage Image, string FromRecord);
