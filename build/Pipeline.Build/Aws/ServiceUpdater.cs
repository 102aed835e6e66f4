using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws;

/// <summary>
/// Rolls ECS services: forces a new deployment of each, then waits for ECS's verdict on it, showing running / pending /
/// desired counts and the rollout state. Tasks that fail while ECS is still rolling out are warnings (the circuit breaker
/// retries and may still complete); a FAILED rollout, a rollback by the circuit breaker or by a deployment alarm, or the
/// time bound fails the update with the stopped tasks' reasons.
/// </summary>
public sealed class ServiceUpdater(EcsClient ecs, TimeSpan? pollInterval = null)
{
    readonly TimeSpan pollInterval = pollInterval ?? TimeSpan.FromSeconds(10);

    public async Task UpdateAsync(
        string cluster, IReadOnlyList<string> ecsServiceNames, bool forceNewDeployment, TimeSpan bound, bool dryRun, IStepLog log, CancellationToken ct)
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

                    await CheckVerdictAsync(cluster, service, deploymentIds[service.ServiceName], previousTaskDefinitions[service.ServiceName], started, warnedFailedTasks, log, ct);
                    if (IsSteady(service))
                    {
                        log.Info($"{service.ServiceName}: steady ({service.RunningCount}/{service.DesiredCount} running {ShortName(service.TaskDefinition)}).");
                        pending.Remove(service.ServiceName);
                    }
                }
                return pending.ToList();
            },
            stillPending => stillPending.Count == 0,
            stillPending => $"not steady ({string.Join("; ", stillPending.Select(p => p + ": " + lastProgress.GetValueOrDefault(p, "unknown")))})",
            ct);
    }

    static bool IsSteady(EcsService service) =>
        service.Deployments.Count == 1 &&
        service.Primary is { } primary &&
        primary.RolloutState is "COMPLETED" or "" &&
        service.RunningCount == service.DesiredCount &&
        service.PendingCount == 0;

    async Task CheckVerdictAsync(
        string cluster, EcsService service, string deploymentId, string previousTaskDefinition, DateTimeOffset started,
        Dictionary<string, int> warnedFailedTasks, IStepLog log, CancellationToken ct)
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
        var what = why.Contains("alarm", StringComparison.OrdinalIgnoreCase)
            ? $"a deployment alarm rolled it back ({why})"
            : $"the deployment circuit breaker rolled it back{(why.Length > 0 ? $" ({why})" : "")}";
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
