using Pipeline.Build.Aws;
using Pipeline.Build.Aws.History;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;

namespace Pipeline.Build;

/// <summary>
/// Promotion: <c>./build.sh Deploy --profile prod --promote-from dev</c> deploys prod with the images dev's deploy history
/// says dev verified, copied by digest from dev's registry into prod's; BuildImages is skipped and PushImages copies instead
/// of pushing (Aws/History/ImagePromotion.cs says why a copy rather than one shared registry).
/// </summary>
public sealed partial class Build
{
    [Parameter("Deploy (or Diff, to preview it): take every service's image from this environment's last successful deploy, as its deploy history " +
               "recorded it (tag and digest), and copy it by digest into this environment's registry instead of building, e.g. --promote-from dev")]
    public string? PromoteFrom { get; set; }

    [Parameter("With --promote-from: the history record whose images to promote (default: the newest successful record of that environment)")]
    public string? PromoteRecord { get; set; }

    PromotionPlan? promotionPlan;

    bool Promotes => !string.IsNullOrEmpty(PromoteFrom);

    /// <summary>The promoted images as this environment deploys them: its repositories, the source's tags and digests.</summary>
    async Task<IReadOnlyList<ServiceImage>> PromotedImagesAsync()
    {
        promotionPlan ??= await new ImagePromotion(AwsContext.Connection, Settings)
            .PlanAsync(PromoteFrom!, string.IsNullOrEmpty(PromoteRecord) ? null : PromoteRecord, Log, Cancellation);
        JobFacts.PromotedFrom = promotionPlan.Reference;
        return ImagePromotion.ImagesIn(promotionPlan, await AwsContext.ImageDestinationAsync(Cancellation), Catalog);
    }

    /// <summary>PushImages of a promotion: the registry stack first (its repositories receive the copies), then the copies.</summary>
    async Task PromoteImagesAsync()
    {
        var images = await ImagesAsync();
        if (string.IsNullOrEmpty(Registry))
            await ((AwsPlatform)PlatformSteps()).EnsureRegistryStackAsync(Log, Cancellation);
        var destination = await AwsContext.ImageDestinationAsync(Cancellation);
        if (!destination.RepositoriesExist)
        {
            foreach (var image in images)
                Log.Info($"{image.Service.Name}: would copy {promotionPlan!.Images.Single(p => p.Service == image.Service.Name).Image.Repository}@{image.Digest} " +
                         $"to {image.Reference} (its repository is created with the registry stack first)");
            return;
        }
        builtImages = [.. await new ImagePromotion(AwsContext.Connection, Settings)
            .CopyAsync(promotionPlan!, images, destination, Log, Cancellation)];
    }

    /// <summary>Called from <see cref="ValidateInvocation"/>: what --promote-from and --promote-record cannot run with.</summary>
    void ValidatePromotionInvocation(IReadOnlyCollection<string> invokedTargets)
    {
        if (!string.IsNullOrEmpty(PromoteRecord) && !Promotes)
            throw new PipelineException($"--promote-record {PromoteRecord} names a record of the environment that --promote-from promotes: add --promote-from <environment>.");
        if (!Promotes)
            return;
        // DeployRole: the deploy role of an environment that promotes reads the source's history and pulls its images.
        string[] promoting = [nameof(Deploy), nameof(Diff), nameof(DeployRole)];
        var others = invokedTargets.Where(t => !promoting.Contains(t, StringComparer.OrdinalIgnoreCase)).ToList();
        if (others.Count > 0)
            throw new PipelineException(
                $"--promote-from {PromoteFrom} deploys another environment's images with Deploy (or previews that with Diff); it does not apply to {string.Join(" ", others)}. " +
                $"Run ./build.sh Deploy --profile <profile> --promote-from {PromoteFrom}.");
        if (Platform != PlatformKind.Aws)
            throw new PipelineException(AwsProfileNeeded($"--promote-from {PromoteFrom}", ReadsTheHistory,
                profile => $"./build.sh Deploy --profile {profile} --promote-from {PromoteFrom}"));
        if (PromoteFrom == DeployEnvironment)
            throw new PipelineException(
                $"--promote-from {PromoteFrom} names the environment being deployed: promotion deploys the images another environment verified. " +
                $"To redeploy {DeployEnvironment}'s own images, use ./build.sh Rollback or Redeploy.");
        if (!string.IsNullOrEmpty(PromoteRecord) && !HistoryId.IsValid(PromoteRecord))
            throw new PipelineException(
                $"--promote-record {PromoteRecord} is not a history record id (they look like 20261201T153012Z-3f2a). " +
                $"List them with ./build.sh History --profile <profile of {PromoteFrom}>.");
    }
}
