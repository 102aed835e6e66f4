using System.Diagnostics;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.History;

/// <summary>
/// The Rollback step. While a selected service's ECS deployment is under way and still keeps the previous version beside
/// the new one (shifting traffic or baking), the rollback is a switch back: ECS is asked to roll that deployment back
/// (StopServiceDeployment), which puts the previous revision back on all traffic with no new deployment and no stack change.
/// Otherwise it returns the selected services to the images of an earlier successful deploy from the history: every image
/// is checked to be in the registry before anything changes; then each service stack gets that image tag as a parameter
/// change on its current template (as Redeploy does), the rollout is waited for, the served version is checked through the
/// API, and the run is recorded in the history (target Rollback). A dry run shows the same plan and changes nothing.
/// </summary>
/// <remarks>A rollback restores images, not templates: a service stack keeps the template it runs now.</remarks>
internal sealed class ServiceRollback(AwsContext aws, StackPlanner plans)
{
    DeploySettings Settings => aws.Settings;

    string Environment => aws.Environment;

    CloudFormationClient CloudFormation => aws.CloudFormation;

    /// <summary>How often a deployment being switched back is looked at (ECS's default pace unless a test sets it).</summary>
    internal TimeSpan? PollInterval { get; init; }

    /// <param name="underWay">The deployments to switch back, when already looked up (before the lock was or was not taken); null looks them up.</param>
    public async Task RunAsync(IReadOnlyList<ServiceManifest> services, string? to, IReadOnlyList<DeploymentUnderWay>? underWay, IStepLog log, CancellationToken ct)
    {
        underWay ??= await DeploymentsUnderWayAsync(aws, services, to, ct);
        if (underWay.Count > 0)
        {
            await SwitchBackAsync(underWay, services, log, ct);
            return;
        }
        var clock = Stopwatch.StartNew();
        var running = await RunningTagsAsync(services, ct);

        var (history, _) = await DeployHistory.ForAccountAsync(aws.Connection, Environment, ct);
        var listing = await history.ListAsync(ct);
        if (listing.IdsNewestFirst.Count == 0)
            throw new PipelineException(
                $"Environment {Environment} has no deploy history in s3://{history.BucketName}/{history.Prefix}" +
                (listing.BucketMissing ? $" (bucket {history.BucketName} does not exist yet)" : "") +
                ": there is nothing to roll back to. Deploy, Redeploy and Rollback write a record each; the next one starts the history.");
        var cursor = new DeployHistoryCursor(listing.IdsNewestFirst, history.ReadAllAsync(listing.IdsNewestFirst, log, ct));
        var plan = await RollbackPlanner.PlanAsync(cursor, running, services.Select(s => s.Name).ToList(), to, Environment, ct);

        Describe(plan, log);
        if (plan.Changes.Count == 0)
        {
            log.Info($"Every selected service already runs the images of {plan.Target.Id}: nothing to roll back.");
            return;
        }

        var destination = await aws.ImageDestinationAsync(ct);
        var images = await ImagesPresentAsync(plan, services, destination, log, ct);

        if (Settings.DryRun)
        {
            log.Info($"Dry run: nothing changed. Rollback would set {string.Join(", ", images.Select(i => $"{DeploymentNames.ImageTagParameter(i.Service.Name)}={i.Tag} on stack {DeploymentNames.ServiceStack(Environment, i.Service.Name)}"))}, " +
                     "wait for the rollout, check the served versions and write a history record.");
            return;
        }

        await aws.RecordRunStartAsync("Rollback", log, ct);
        var outcome = Outcomes.Failed;
        try
        {
            await new ServiceRollout(aws, plans).RollAsync(images, log, ct);
            await RequireAppliedAsync(images, ct);
            using var healthHttp = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            await new HealthChecker(healthHttp).CheckAsync(await aws.HealthBaseUrlAsync(ct),
                images.Select(i => (i.Service, i.Tag)).ToList(), Settings.HealthTimeout, log, ct);
            outcome = Outcomes.Succeeded;
            log.Info($"Rolled back {string.Join(", ", plan.Changes.Select(c => $"{c.Service} to {c.Image.Tag}"))} (the images of {plan.Target.Id}).");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            outcome = Outcomes.Cancelled;
            throw;
        }
        finally
        {
            await RecordAsync(images, outcome, clock.Elapsed, destination, plan.Target.Id, log);
        }
    }

    /// <summary>
    /// The selected services' ECS deployments that are under way and still keep the previous version (shifting traffic or
    /// baking): what a Rollback without <c>--to</c> switches back. None when <paramref name="to"/> names a record (that record
    /// is what was asked for), when the environment has no stacks yet, or when ECS cannot list deployments (an emulator).
    /// </summary>
    public static async Task<IReadOnlyList<DeploymentUnderWay>> DeploymentsUnderWayAsync(
        AwsContext aws, IReadOnlyList<ServiceManifest> services, string? to, CancellationToken ct)
    {
        if (to is not null)
            return [];
        var stacks = await aws.CloudFormation.DescribeAllStacksAsync(ct);
        if (!stacks.ContainsKey(aws.SharedStack))
            return [];
        var environment = aws.Deployed(stacks);
        var cluster = await environment.ClusterAsync(ct);
        var follower = new ServiceDeploymentFollower(new EcsClient(aws.Connection, aws.Http));
        var found = new List<DeploymentUnderWay>();
        foreach (var service in services.Where(s => stacks.ContainsKey(aws.ServiceStack(s.Name))))
        {
            var deployed = await environment.ServiceAsync(service, ct);
            found.AddRange((await follower.UnderWayWithThePreviousVersionAsync(cluster, deployed.EcsServiceName, ct))
                .Select(deployment => new DeploymentUnderWay(service, deployment)));
        }
        return found;
    }

    /// <summary>
    /// Rolls each deployment under way back (StopServiceDeployment, ROLLBACK) and follows it until the previous revision
    /// serves again. No stack changes and no new deployment starts; the run that follows the deployment ends as rolled back
    /// by request, and its record says so.
    /// </summary>
    async Task SwitchBackAsync(IReadOnlyList<DeploymentUnderWay> underWay, IReadOnlyList<ServiceManifest> services, IStepLog log, CancellationToken ct)
    {
        foreach (var (service, deployment) in underWay)
            log.Info($"{service.Name}: deployment {deployment.Id} is in {deployment.LifecycleStage} with the previous version still running beside it: " +
                     "the rollback switches the traffic back to it, with no new deployment.");
        foreach (var left in services.Where(s => underWay.All(u => u.Service.Name != s.Name)))
            log.Info($"{left.Name}: no deployment under way to switch back; left as it runs. Once the others' deployments have ended, " +
                     $"./build.sh Rollback{Settings.ProfileArgument} --service {left.Name} returns it to a recorded deploy.");
        if (Settings.DryRun)
        {
            log.Info($"Dry run: nothing stopped. Rollback would ask ECS to roll back {string.Join(", ", underWay.Select(u => u.Deployment.Arn))} " +
                     "(StopServiceDeployment, ROLLBACK) and follow each until the previous version serves again.");
            return;
        }
        var ecs = new EcsClient(aws.Connection, aws.Http);
        var follower = new ServiceDeploymentFollower(ecs, PollInterval);
        var ends = await PerService.RunAllAsync(underWay.Select(async u =>
        {
            await ecs.StopServiceDeploymentAsync(u.Deployment.Arn, ct);
            log.Info($"{u.Service.Name}: ECS rolls deployment {u.Deployment.Id} back (StopServiceDeployment, ROLLBACK).");
            var followed = new FollowedService(u.Service.Name, Settings.RolloutFor(u.Service), $"./build.sh Rollback{Settings.ProfileArgument} --service {u.Service.Name}");
            return (u.Service, End: await follower.FollowAsync(followed, u.Deployment.Arn, Settings.RolloutTimeout, log, ct, seen: u.Deployment));
        }).ToList(), ct);
        var notBack = ends.Where(e => e.End.Ending != ServiceDeploymentEnding.RolledBack).ToList();
        if (notBack.Count > 0)
            throw new PipelineException(string.Join(" ", notBack.Select(e =>
                $"{e.Service.Name}: deployment {e.End.Deployment.Id} ended {e.End.Deployment.Status} ({e.End.Describe()}) instead of rolling back" +
                (e.End.Deployment.StatusReason is { Length: > 0 } reason ? $": {reason.TrimEnd('.')}." : "."))) +
                " Check which version serves (./build.sh Status) and the service's deployments (aws ecs list-service-deployments), " +
                "then run ./build.sh Rollback again to return to a recorded deploy.");
        log.Info($"Switched {string.Join(", ", ends.Select(e => e.Service.Name))} back: the previous revision serves again, with no new deployment. " +
                 "The run that followed the deployment ends as rolled back by request; redeploy when the new version is ready.");
    }

    /// <summary>The image tag each selected service's stack runs now; a service without a stack has nothing to roll back.</summary>
    async Task<IReadOnlyDictionary<string, string>> RunningTagsAsync(IReadOnlyList<ServiceManifest> services, CancellationToken ct)
    {
        var stacks = await CloudFormation.DescribeAllStacksAsync(ct);
        var running = new Dictionary<string, string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var service in services)
        {
            var stack = stacks.GetValueOrDefault(DeploymentNames.ServiceStack(Environment, service.Name));
            if (stack?.Parameters.GetValueOrDefault(DeploymentNames.ImageTagParameter(service.Name)) is { Length: > 0 } tag)
                running[service.Name] = tag;
            else
                missing.Add(DeploymentNames.ServiceStack(Environment, service.Name));
        }
        if (missing.Count > 0)
            throw new PipelineException(
                $"Stack(s) {string.Join(", ", missing)} do not exist (or carry no image tag), so there is nothing to roll back. Run ./build.sh Deploy --profile <profile of {Environment}> first.");
        return running;
    }

    /// <summary>
    /// Every rolled service's stack now carries the image tag it was given. A change set reported as "no changes" while the
    /// tag differs would be a rollback that did not happen; it fails here instead of passing a health check by luck.
    /// </summary>
    async Task RequireAppliedAsync(IReadOnlyList<ServiceImage> images, CancellationToken ct)
    {
        var stacks = await CloudFormation.DescribeAllStacksAsync(ct);
        var notApplied = images
            .Select(i => (Image: i, Stack: DeploymentNames.ServiceStack(Environment, i.Service.Name), Parameter: DeploymentNames.ImageTagParameter(i.Service.Name)))
            .Select(x => (x.Image, x.Stack, x.Parameter, Actual: stacks.GetValueOrDefault(x.Stack)?.Parameters.GetValueOrDefault(x.Parameter)))
            .Where(x => x.Actual != x.Image.Tag)
            .ToList();
        if (notApplied.Count > 0)
            throw new PipelineException(
                string.Join(" ", notApplied.Select(x => $"Stack {x.Stack} has {x.Parameter}={x.Actual ?? "(none)"} after the rollback, not {x.Image.Tag}.")) +
                " CloudFormation did not apply the change; check the stack's events and run the rollback again.");
    }

    void Describe(RollbackPlan plan, IStepLog log)
    {
        var target = plan.Target;
        log.Info($"Rollback of {Environment} to {target.Id}: the images of a {target.Target} by {target.Caller.Short()} at {target.Time.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, commit {target.Git.Short()}.");
        var table = new TextTable("Service", "Now", "After", "From record");
        foreach (var change in plan.Changes)
            table.Add(change.Service, change.CurrentTag, change.Image.Tag, change.FromRecord);
        foreach (var service in plan.Unchanged)
            table.Add(service, "", "(runs it already)", "");
        foreach (var service in plan.Unknown)
            table.Add(service, "", "(left as it runs: no record up to the target deployed it)", "");
        foreach (var line in table.ToLines(indent: ""))
            log.Info(line);
    }

    /// <summary>
    /// The images to roll to, each found in the registry the services pull from (ECR, or --registry); when one is gone the
    /// rollback stops here, before anything changed.
    /// </summary>
    async Task<IReadOnlyList<ServiceImage>> ImagesPresentAsync(
        RollbackPlan plan, IReadOnlyList<ServiceManifest> services, ImageDestination destination, IStepLog log, CancellationToken ct)
    {
        using var registry = new RegistryClient();
        var found = await Task.WhenAll(plan.Changes.Select(async change =>
        {
            var image = new ServiceImage(services.Single(s => s.Name == change.Service), $"{destination.RepositoryRoot}/{change.Service}", change.Image.Tag);
            var digest = await registry.TryGetDigestAsync(image.Repository, image.Tag, destination.Credentials, ct);
            return (Change: change, Image: image with { Digest = digest });
        }));
        var gone = found.Where(f => f.Image.Digest is null).ToList();
        if (gone.Count > 0)
            throw new PipelineException(
                $"Rollback to {plan.Target.Id} refused; nothing was changed. The image{(gone.Count == 1 ? " is" : "s are")} gone from " +
                $"{(string.IsNullOrEmpty(Settings.Registry) ? "ECR" : $"registry {Settings.Registry}")}: " +
                string.Join("; ", gone.Select(g => $"{g.Change.Service} {g.Image.Reference} (deployed by {g.Change.FromRecord})")) +
                ". Roll back to a more recent record (./build.sh History), or rebuild and push that version with ./build.sh Redeploy from its commit.");
        foreach (var (change, image) in found)
        {
            if (change.Image.Digest is { Length: > 0 } recorded && recorded != image.Digest)
                log.Warn($"{change.Service}: {image.Reference} is now image {image.Digest}, while {change.FromRecord} recorded {recorded}; rolling back to the image the tag names now.");
            else
                log.Info($"{change.Service}: {image.Reference} is in the registry ({image.Digest}).");
        }
        return found.Select(f => f.Image).ToList();
    }

    async Task RecordAsync(IReadOnlyList<ServiceImage> images, string outcome, TimeSpan duration, ImageDestination destination, string targetId, IStepLog log)
    {
        // The interrupted token is not this one: the record of an interrupted rollback must still be written.
        using var finishing = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            var stacks = await CloudFormation.DescribeAllStacksAsync(finishing.Token);
            await new DeployHistoryRecorder(aws.Connection, aws.Http, Settings).RecordAsync(
                new DeployHistoryRecorder.Run("Rollback", images, outcome, duration, stacks, destination) { RollbackTo = targetId, Running = aws.RunningRecord, Rollouts = aws.Rollouts }, log, finishing.Token);
        }
        catch (Exception e) when (e is PipelineException or OperationCanceledException or HttpRequestException)
        {
            log.Warn($"deploy history: the rollback ({outcome}) could not be recorded: {e.Message}");
        }
    }
}

/// <summary>A service's ECS deployment under way that a Rollback can switch back (it shifts traffic or bakes).</summary>
public sealed record DeploymentUnderWay(ServiceManifest Service, ServiceDeployment Deployment);
