using System.Collections.Concurrent;
using System.Diagnostics;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws;

/// <summary>
/// Rolls ECS services to new images and waits until they are steady. A Deploy has already changed the service stacks
/// and waits for the services whose stacks changed; a Redeploy or a Rollback sets each selected service stack's image tag
/// parameter on its current template (a parameter change set), and rolls the tasks even when the image is the same.
/// </summary>
public sealed class ServiceRollout(AwsContext aws, StackPlanner plans)
{
    DeploySettings Settings => aws.Settings;

    /// <summary>Redeploy and Rollback: each selected service's stack gets its new image tag, then every one of them rolls.</summary>
    public async Task RollAsync(IReadOnlyList<ServiceImage> images, IStepLog log, CancellationToken cancellation)
    {
        var deployed = await aws.CloudFormation.DescribeAllStacksAsync(cancellation);
        if (Settings.DryRun && !deployed.ContainsKey(aws.SharedStack))
        {
            DescribeFirstStart(images, log);
            return;
        }
        var missing = images.Select(i => aws.ServiceStack(i.Service.Name)).Where(stack => !deployed.ContainsKey(stack)).ToList();
        if (missing.Count > 0)
            throw new PipelineException($"Stack(s) {string.Join(", ", missing)} do not exist, so there is nothing to redeploy. Run ./build.sh Deploy first.");
        var stackDeployer = await aws.StackDeployerAsync(cancellation);
        var sameImage = new HashSet<string>();
        await PerService.RunAllAsync(images.Select(async image =>
        {
            var stack = deployed[aws.ServiceStack(image.Service.Name)];
            var declaresCapacity = stack.Parameters.ContainsKey(DeploymentNames.DesiredCountParameter(image.Service.Name));
            var parameters = new Dictionary<string, string>(await plans.CapacityParametersAsync(image.Service, deployed, declaresCapacity, cancellation))
            {
                [DeploymentNames.ImageTagParameter(image.Service.Name)] = image.Tag,
            };
            var outcome = await stackDeployer.DeployAsync(
                new StackDeployRequest(aws.ServiceStack(image.Service.Name), TemplatePath: null, parameters,
                    // Tags are left as they are: the template, and so its hash tag, does not change.
                    new Dictionary<string, string>()),
                Settings.DryRun, new PrefixedStepLog(log, image.Service.Name), cancellation);
            // The same image again: roll the tasks anyway, as a redeploy asks for.
            if (outcome.Kind == StackDeployKind.NoChanges)
                lock (sameImage) sameImage.Add(image.Service.Name);
            return outcome;
        }).ToList(), cancellation);
        await WaitForSteadyStateAsync(images, deployed, sameImage, log, cancellation);
    }

    /// <summary>Deploy: the stacks are deployed already; waits for the services whose stacks changed in this run.</summary>
    public async Task FollowAsync(IReadOnlyList<ServiceImage> images, IReadOnlySet<string> changedServices, IStepLog log, CancellationToken cancellation)
    {
        var deployed = await aws.CloudFormation.DescribeAllStacksAsync(cancellation);
        if (Settings.DryRun && !deployed.ContainsKey(aws.SharedStack))
        {
            DescribeFirstStart(images, log);
            return;
        }
        var rolled = images.Where(i => changedServices.Contains(i.Service.Name)).ToList();
        if (rolled.Count < images.Count)
            log.Info($"{images.Count - rolled.Count} service stack(s) did not change in this run: their services were not touched" +
                     (rolled.Count == 0 ? "." : $"; waiting for {string.Join(", ", rolled.Select(i => i.Service.Name))}."));
        await WaitForSteadyStateAsync(rolled, deployed, new HashSet<string>(), log, cancellation);
    }

    void DescribeFirstStart(IReadOnlyList<ServiceImage> images, IStepLog log)
    {
        foreach (var image in images)
            log.Info($"{image.Service.Name}: would start {image.Service.MinTasks} task(s) of {image.Reference} " +
                     $"({image.Service.Cpu} CPU units, {image.Service.Memory} MiB) once stack {aws.ServiceStack(image.Service.Name)} creates its ECS service, and wait for steady state.");
    }

    /// <param name="forceNewDeployment">Services whose image did not change: ECS is asked to start new tasks anyway.</param>
    async Task WaitForSteadyStateAsync(IReadOnlyList<ServiceImage> rolled, IReadOnlyDictionary<string, StackDescription> deployed,
        IReadOnlySet<string> forceNewDeployment, IStepLog log, CancellationToken cancellation)
    {
        if (rolled.Count == 0)
            return;
        var environment = aws.Deployed(deployed);
        var cluster = await environment.ClusterAsync(cancellation);
        var services = new List<DeployedService>();
        foreach (var image in rolled)
            services.Add(await environment.ServiceAsync(image.Service, cancellation));
        var updater = new ServiceUpdater(new EcsClient(aws.Connection, aws.Http));
        var following = Following(services);
        var forced = services.Where(s => forceNewDeployment.Contains(s.Manifest.Name)).Select(s => s.EcsServiceName).ToList();
        var waited = services.Where(s => !forceNewDeployment.Contains(s.Manifest.Name)).Select(s => s.EcsServiceName).ToList();
        if (forced.Count > 0)
            await updater.UpdateAsync(cluster, forced, forceNewDeployment: true, Settings.RolloutTimeout, Settings.DryRun, log, cancellation, following);
        if (waited.Count > 0)
            await updater.UpdateAsync(cluster, waited, forceNewDeployment: false, Settings.RolloutTimeout, Settings.DryRun, log, cancellation, following);
    }

    /// <summary>
    /// Each rolled service with the strategy it rolls with and the command that switches it back during the bake; the
    /// deployments to follow started no earlier than this run (its stack updates started those of a Deploy).
    /// </summary>
    RolloutFollowing Following(IReadOnlyList<DeployedService> services) => new(
        // Keyed by the short name DescribeServices answers with, whether the stack's output is a name or an ARN.
        services.ToDictionary(s => s.EcsServiceName[(s.EcsServiceName.LastIndexOf('/') + 1)..], s => new FollowedService(s.Manifest.Name, Settings.RolloutFor(s.Manifest),
            $"./build.sh Rollback{Settings.ProfileArgument} --service {s.Manifest.Name}")),
        aws.RunningRecord?.Started.Started ?? new DateTimeOffset(Process.GetCurrentProcess().StartTime.ToUniversalTime()),
        aws.Rollouts);
}

/// <summary>
/// How each service a run rolled ended, for the run's history record: the strategy it rolled with
/// (<see cref="RolloutStrategy.Describe"/>) and its end (<c>completed</c>, <c>rolled back by alarm ...</c>).
/// </summary>
public sealed class RolloutEndings
{
    readonly ConcurrentDictionary<string, RolloutEnding> endings = new(StringComparer.Ordinal);

    public void Record(string service, RolloutStrategy strategy, string ending) => endings[service] = new RolloutEnding(strategy.Describe(), ending);

    public RolloutEnding? Of(string service) => endings.GetValueOrDefault(service);
}

/// <summary>One service's rollout in a run: the strategy it rolled with and how it ended.</summary>
public sealed record RolloutEnding(string Strategy, string Ending);
