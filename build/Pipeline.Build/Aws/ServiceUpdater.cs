using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws;

/// <summary>
/// Rolls ECS services: forces a new deployment of each, then waits for ECS's verdict on it. With a
/// <see cref="RolloutFollowing"/>, each service's deployment is followed stage by stage (<see cref="ServiceDeploymentFollower"/>)
/// until it completes or is rolled back; where ECS cannot show its deployments (an emulator), and without one, the wait
/// shows running / pending / desired counts and the rollout state until the service is steady. Tasks that fail while ECS is
/// still rolling out are warnings (the circuit breaker retries and may still complete); a FAILED rollout, a rollback by the
/// circuit breaker, by a deployment alarm or by request, or the time bound fails the update, saying why.
/// </summary>
public sealed class ServiceUpdater(EcsClient ecs, TimeSpan? pollInterval = null)
{
    readonly TimeSpan pollInterval = pollInterval ?? TimeSpan.FromSeconds(10);

    // Allows for the difference between this machine's clock and ECS's when looking for the deployment an update started.
    static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    public async Task UpdateAsync(
        string cluster, IReadOnlyList<string> ecsServiceNames, bool forceNewDeployment, TimeSpan bound, bool dryRun, IStepLog log, CancellationToken ct,
        RolloutFollowing? following = null)
    {
        if (ecsServiceNames.Count == 0)
            return;
        var (current, missing) = await ecs.DescribeServicesAsync(cluster, ecsServiceNames, ct);
        var notActive = current.Where(s => s.Status != "ACTIVE").Select(s => $"{s.ServiceName} ({s.Status})");
        if (missing.Count > 0 || notActive.Any())
            throw new PipelineException(
                $"ECS cluster {cluster}: services not found or not active: {string.Join(", ", missing.Concat(notActive))}. " +
                "Deploy the infrastructure first (DeployInfra), or check the cluster and service names.");

        if (dryRun)
        {
            foreach (var service in current)
                log.Info($"{service.ServiceName}: would {(forceNewDeployment ? "force a new deployment" : "wait for steady state")} " +
                         $"(now {service.RunningCount}/{service.DesiredCount} running, task definition {ShortName(service.TaskDefinition)}). Dry run: nothing touched.");
            return;
        }

        var started = DateTimeOffset.UtcNow;
        var previousTaskDefinitions = new Dictionary<string, string>();
        var deploymentIds = new Dictionary<string, string>();
        foreach (var service in current)
        {
            previousTaskDefinitions[service.ServiceName] = ActiveTaskDefinitionBefore(service);
            var updated = forceNewDeployment ? await ecs.ForceNewDeploymentAsync(cluster, service.ServiceName, ct) : service;
            deploymentIds[service.ServiceName] = updated.Primary?.Id ?? "";
            if (forceNewDeployment)
                log.Info($"{service.ServiceName}: new deployment {updated.Primary?.Id} started.");
        }

        // Callers may name services by ARN; DescribeServices answers with short names, so track those.
        var pending = current.Select(s => s.ServiceName).ToList();
        if (following is not null)
        {
            var since = (forceNewDeployment ? started : following.StartedSince) - ClockSkew;
            pending = [.. await FollowDeploymentsAsync(cluster, pending, since, following, bound, log, ct)];
            if (pending.Count == 0)
                return;
        }
        var lastProgress = new Dictionary<string, string>();
        var warnedFailedTasks = new Dictionary<string, int>();
        using var inFlight = Interruption.InFlight($"ECS rollout of {string.Join(", ", pending)} in cluster {cluster}; follow it: aws ecs describe-services --cluster {cluster} --services {string.Join(' ', pending)}");
        var rollout = new Poll($"The rollout in ECS cluster {cluster}", bound, pollInterval)
        {
            Continues = "the deployment continues in AWS",
            Command = $"aws ecs describe-services --cluster {cluster} --services {string.Join(' ', pending)}",
            NextStep = "check the service events and task logs, or raise the wait bound (--rollout-timeout)",
        };
        await rollout.UntilAsync(
            async (_, ct) =>
            {
                var (services, _) = await ecs.DescribeServicesAsync(cluster, pending, ct);
                foreach (var service in services)
                {
                    var primary = service.Primary;
                    var progress = $"{service.RunningCount} running, {service.PendingCount} pending, {service.DesiredCount} desired, " +
                                   $"rollout {(primary?.RolloutState is { Length: > 0 } state ? state : "n/a")}";
                    if (!lastProgress.TryGetValue(service.ServiceName, out var last) || last != progress)
                        log.Info($"{service.ServiceName}: {progress}");
                    lastProgress[service.ServiceName] = progress;

                    await CheckVerdictAsync(cluster, service, deploymentIds[service.ServiceName], previousTaskDefinitions[service.ServiceName], started, warnedFailedTasks,
                        following, log, ct);
                    if (IsSteady(service))
                    {
                        log.Info($"{service.ServiceName}: steady ({service.RunningCount}/{service.DesiredCount} running {ShortName(service.TaskDefinition)}).");
                        pending.Remove(service.ServiceName);
                        if (following?.Services.GetValueOrDefault(service.ServiceName) is { } followed)
                            following.Endings.Record(followed.Name, followed.Strategy, "completed");
                    }
                }
                return pending.ToList();
            },
            stillPending => stillPending.Count == 0,
            stillPending => $"not steady ({string.Join("; ", stillPending.Select(p => p + ": " + lastProgress.GetValueOrDefault(p, "unknown")))})",
            ct);
    }

    /// <summary>
    /// Follows the deployment each service started (the newest since <paramref name="since"/>) until it ends; returns the
    /// services whose deployment could not be followed, which the caller waits for until they are steady. A deployment that
    /// was rolled back or stopped fails the update once every followed one has ended.
    /// </summary>
    async Task<IReadOnlyList<string>> FollowDeploymentsAsync(
        string cluster, IReadOnlyList<string> serviceNames, DateTimeOffset since, RolloutFollowing following, TimeSpan bound, IStepLog log, CancellationToken ct)
    {
        var follower = new ServiceDeploymentFollower(ecs, pollInterval);
        var found = new List<(FollowedService Service, string Arn)>();
        var unfollowed = new List<string>();
        foreach (var name in serviceNames)
        {
            if (following.Services.GetValueOrDefault(name) is not { } service)
            {
                unfollowed.Add(name);
                continue;
            }
            var lookup = await follower.FindAsync(cluster, name, since, ct);
            switch (lookup.Kind)
            {
                case ServiceDeploymentLookupKind.Found:
                    found.Add((service, lookup.Arn));
                    break;
                case ServiceDeploymentLookupKind.NoneSince:
                    log.Detail($"{service.Name}: ECS lists no deployment of {name} started since {since.UtcDateTime:HH:mm:ss}Z; waiting for steady state instead.");
                    unfollowed.Add(name);
                    break;
                default:
                    // Said once, for this service and the rest: the credentials and the endpoint are the same for every service.
                    var rest = serviceNames.SkipWhile(n => n != name).ToList();
                    if (lookup.Kind == ServiceDeploymentLookupKind.NotPermitted)
                        log.Warn($"these credentials may not call ecs:ListServiceDeployments, so the deployment stages of {string.Join(", ", rest)} are not followed; " +
                                 "waiting for steady state instead. Allow ecs:ListServiceDeployments and ecs:DescribeServiceDeployments to see traffic shifts and the bake.");
                    else
                        log.Detail($"ECS at {ecs.Endpoint.GetLeftPart(UriPartial.Authority)} does not offer ListServiceDeployments: the deployment stages of " +
                                   $"{string.Join(", ", rest)} could not be followed; waiting for steady state instead.");
                    unfollowed.AddRange(rest);
                    return await FollowAllAsync();
            }
        }
        return await FollowAllAsync();

        async Task<IReadOnlyList<string>> FollowAllAsync()
        {
            var ends = await PerService.RunAllAsync(found.Select(f => follower.FollowAsync(f.Service, f.Arn, bound, log, ct)).ToList(), ct);
            var failures = new List<string>();
            foreach (var ((service, _), end) in found.Zip(ends))
            {
                following.Endings.Record(service.Name, service.Strategy, end.Describe());
                if (!end.Completed)
                    failures.Add(end.FailureMessage(service.Name));
            }
            if (failures.Count > 0)
                throw new PipelineException(string.Join("\n\n", failures));
            return unfollowed;
        }
    }

    static bool IsSteady(EcsService service) =>
        service.Deployments.Count == 1 &&
        service.Primary is { } primary &&
        primary.RolloutState is "COMPLETED" or "" &&
        service.RunningCount == service.DesiredCount &&
        service.PendingCount == 0;

    async Task CheckVerdictAsync(
        string cluster, EcsService service, string deploymentId, string previousTaskDefinition, DateTimeOffset started,
        Dictionary<string, int> warnedFailedTasks, RolloutFollowing? following, IStepLog log, CancellationToken ct)
    {
        var ours = service.Deployments.FirstOrDefault(d => d.Id == deploymentId);
        var rolledBack = ours?.RolloutState == "FAILED"
            || (ours is not null && ours.Status != "PRIMARY" && service.Primary?.TaskDefinition == previousTaskDefinition && previousTaskDefinition != ours.TaskDefinition);
        var failedTasks = ours?.FailedTasks ?? service.Primary?.FailedTasks ?? 0;
        if (!rolledBack)
        {
            // ECS's circuit breaker replaces failed tasks and may still complete the rollout: until it decides, say so and wait.
            if (failedTasks > warnedFailedTasks.GetValueOrDefault(service.ServiceName))
            {
                warnedFailedTasks[service.ServiceName] = failedTasks;
                var seen = await StopReasonsAsync(cluster, service.ServiceName, started, ct);
                log.Warn($"{service.ServiceName}: {failedTasks} task(s) of the new deployment failed; ECS is still rolling out and retries" +
                         (seen.Count > 0 ? $". Stopped tasks: {string.Join("; ", seen)}" : "") + ".");
            }
            return;
        }

        var reasons = await StopReasonsAsync(cluster, service.ServiceName, started, ct);
        var why = ours?.RolloutStateReason ?? "";
        var byAlarm = why.Contains("alarm", StringComparison.OrdinalIgnoreCase);
        var what = byAlarm
            ? $"a deployment alarm rolled it back ({why})"
            : $"the deployment circuit breaker rolled it back{(why.Length > 0 ? $" ({why})" : "")}";
        if (following?.Services.GetValueOrDefault(service.ServiceName) is { } followed)
            following.Endings.Record(followed.Name, followed.Strategy, byAlarm ? "rolled back by alarm" : "rolled back by circuit breaker");
        throw new PipelineException(
            $"ECS service {service.ServiceName} in cluster {cluster}: {what}. " +
            (reasons.Count > 0 ? "Stopped tasks: " + string.Join("; ", reasons) + ". " : "No stopped task was found to explain it. ") +
            "The previous version keeps serving. " +
            "Check the container logs, the health check and the alarms of the new image, then redeploy.");
    }

    async Task<IReadOnlyList<string>> StopReasonsAsync(string cluster, string serviceName, DateTimeOffset since, CancellationToken ct)
    {
        var stopped = await ecs.ListTasksAsync(cluster, serviceName, "STOPPED", ct);
        if (stopped.Count == 0)
            return [];
        var tasks = await ecs.DescribeTasksAsync(cluster, stopped.Take(10).ToList(), ct);
        return tasks
            .Where(t => t.StoppedAt is null || t.StoppedAt >= since.AddMinutes(-1))
            .Select(t => $"{ShortName(t.TaskArn)} ({ShortName(t.TaskDefinition)}): " +
                         string.Join(", ", new[] { t.StopCode, t.StoppedReason }.Concat(t.ContainerReasons).Where(s => s.Length > 0)))
            .ToList();
    }

    // The task definition to which a circuit breaker would roll back: the one serving before our deployment.
    static string ActiveTaskDefinitionBefore(EcsService service) =>
        service.Deployments.FirstOrDefault(d => d.Status == "ACTIVE")?.TaskDefinition ?? service.Primary?.TaskDefinition ?? service.TaskDefinition;

    static string ShortName(string arn) => arn[(arn.LastIndexOf('/') + 1)..];
}

/// <summary>
/// What <see cref="ServiceUpdater.UpdateAsync"/> needs to follow each service's ECS deployment: the services by ECS service
/// name, the earliest time a deployment it waits for may have started (a Deploy's stack updates started them before), and
/// where each service's ending is written for the run's history record.
/// </summary>
public sealed record RolloutFollowing(IReadOnlyDictionary<string, FollowedService> Services, DateTimeOffset StartedSince, RolloutEndings Endings);
