using System.Globalization;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws;

/// <summary>
/// Follows one ECS service deployment from its start to its end through ECS's service-deployments API: one line per
/// lifecycle stage and per traffic shift as it happens (<c>fastapi: PRODUCTION_TRAFFIC_SHIFT: new 10 % / previous 90 %</c>),
/// then how it ended: completed, or rolled back by an alarm, by the circuit breaker or by request. The follower only
/// observes and judges; whoever called it decides what a rollback means for its run.
/// </summary>
public sealed class ServiceDeploymentFollower(EcsClient ecs, TimeSpan? pollInterval = null)
{
    readonly TimeSpan pollInterval = pollInterval ?? TimeSpan.FromSeconds(10);

    /// <summary>The newest deployment of <paramref name="ecsServiceName"/> created after <paramref name="since"/>.</summary>
    public async Task<ServiceDeploymentLookup> FindAsync(string cluster, string ecsServiceName, DateTimeOffset since, CancellationToken ct)
    {
        try
        {
            var deployments = await ecs.ListServiceDeploymentsAsync(cluster, ecsServiceName, statuses: null, since, ct);
            return deployments.Count == 0 ? ServiceDeploymentLookup.NoneSince : ServiceDeploymentLookup.Found(deployments[0].Arn);
        }
        catch (AwsServiceException e) when (e.IsUnknownOperation)
        {
            return ServiceDeploymentLookup.NotOffered;
        }
        catch (AwsServiceException e) when (IsAccessDenied(e))
        {
            // Following is an observation: a role without the permission still deploys, as it did before.
            return ServiceDeploymentLookup.NotPermitted;
        }
    }

    static bool IsAccessDenied(AwsServiceException e) => e.ErrorCode is "AccessDeniedException" or "AccessDenied";

    /// <summary>
    /// The deployments of <paramref name="ecsServiceName"/> that are under way and still keep the previous version beside the
    /// new one (shifting traffic or baking), so that a rollback is a switch back; empty when the endpoint cannot list them.
    /// </summary>
    public async Task<IReadOnlyList<ServiceDeployment>> UnderWayWithThePreviousVersionAsync(string cluster, string ecsServiceName, CancellationToken ct)
    {
        try
        {
            var briefs = await ecs.ListServiceDeploymentsAsync(cluster, ecsServiceName, [ServiceDeploymentStatus.InProgress], createdAfter: null, ct);
            if (briefs.Count == 0)
                return [];
            var deployments = await ecs.DescribeServiceDeploymentsAsync(briefs.Select(b => b.Arn).ToList(), ct);
            return deployments.Where(d => d.Status == ServiceDeploymentStatus.InProgress && KeepsThePreviousVersion(d.LifecycleStage)).ToList();
        }
        catch (AwsServiceException e) when (e.IsUnknownOperation || IsAccessDenied(e))
        {
            return [];
        }
    }

    /// <summary>The stages in which the previous version still runs beside the new one and can take all traffic back at once.</summary>
    public static bool KeepsThePreviousVersion(string lifecycleStage) => lifecycleStage is
        "TEST_TRAFFIC_SHIFT" or "POST_TEST_TRAFFIC_SHIFT" or "PRODUCTION_TRAFFIC_SHIFT" or "POST_PRODUCTION_TRAFFIC_SHIFT" or "BAKE_TIME";

    /// <summary>Polls the deployment until ECS has finished with it; every change of stage, status or traffic is one line.</summary>
    /// <param name="seen">The deployment as the caller last saw and showed it: only what changes after it is shown.</param>
    public async Task<ServiceDeploymentEnd> FollowAsync(
        FollowedService service, string deploymentArn, TimeSpan bound, IStepLog log, CancellationToken ct, ServiceDeployment? seen = null)
    {
        var command = $"aws ecs describe-service-deployments --service-deployment-arns {deploymentArn}";
        using var inFlight = Interruption.InFlight($"ECS deployment of {service.Name} ({deploymentArn}); follow it: {command}");
        var poll = new Poll($"The ECS deployment of {service.Name}", bound, pollInterval)
        {
            Continues = "the deployment continues in AWS",
            Command = command,
            NextStep = "wait for it to end, or raise the wait bound (--rollout-timeout)",
        };
        var last = seen;
        var stageBeforeUndo = seen?.LifecycleStage ?? "";
        var final = await poll.UntilAsync(
            async (_, token) =>
            {
                var now = (await ecs.DescribeServiceDeploymentsAsync([deploymentArn], token)).FirstOrDefault()
                    ?? throw new PipelineException(
                        $"ECS no longer describes deployment {deploymentArn} of {service.Name}. Check the service's deployments " +
                        "(aws ecs list-service-deployments), then run the deploy again.");
                foreach (var line in Narrate(service, last, now))
                    log.Info(line);
                if (!ServiceDeploymentStatus.IsUndone(now.Status) && now.LifecycleStage.Length > 0)
                    stageBeforeUndo = now.LifecycleStage;
                last = now;
                return now;
            },
            now => ServiceDeploymentStatus.IsFinished(now.Status),
            now => $"{now.Status}{(now.LifecycleStage.Length > 0 ? " in " + now.LifecycleStage : "")}",
            ct);
        return Judge(final, stageBeforeUndo);
    }

    /// <summary>The lines a new observation adds to what <paramref name="before"/> showed: nothing when nothing a user sees changed.</summary>
    public static IEnumerable<string> Narrate(FollowedService service, ServiceDeployment? before, ServiceDeployment now)
    {
        if (before is not null && Visible(before) == Visible(now))
            yield break;
        var name = service.Name;
        var (newShare, previousShare) = ProductionShares(now);
        var shares = newShare is { } n && previousShare is { } p ? $"new {Percent(n)} / previous {Percent(p)}" : null;
        switch (now.Status)
        {
            case ServiceDeploymentStatus.Successful:
                yield return $"{name}: SUCCESSFUL: the new version serves all traffic ({service.Strategy.Describe()}).";
                yield break;
            case ServiceDeploymentStatus.RollbackSuccessful:
                yield return $"{name}: ROLLBACK_SUCCESSFUL: the previous version serves again ({UndoneBecause(now)}).";
                yield break;
            case ServiceDeploymentStatus.RollbackFailed:
                yield return $"{name}: ROLLBACK_FAILED ({UndoneBecause(now)}){Reason(now)}.";
                yield break;
            case ServiceDeploymentStatus.RollbackRequested or ServiceDeploymentStatus.RollbackInProgress:
                yield return $"{name}: {now.Status} ({UndoneBecause(now)}): the previous version takes the traffic back" + (shares is null ? "." : $"; {shares}.");
                yield break;
            case ServiceDeploymentStatus.StopRequested or ServiceDeploymentStatus.Stopped:
                yield return $"{name}: {now.Status}{Reason(now)}.";
                yield break;
        }
        yield return now.LifecycleStage switch
        {
            "" => $"{name}: {now.Status}",
            "PRODUCTION_TRAFFIC_SHIFT" or "POST_PRODUCTION_TRAFFIC_SHIFT" when shares is not null => $"{name}: {now.LifecycleStage}: {shares}",
            "TEST_TRAFFIC_SHIFT" or "POST_TEST_TRAFFIC_SHIFT" when now.Target?.RequestedTestTrafficWeight is { } test =>
                $"{name}: {now.LifecycleStage}: test traffic {Percent(test)} to the new version, production stays on the previous one",
            "SCALE_UP" or "POST_SCALE_UP" when now.Target is { } target =>
                $"{name}: {now.LifecycleStage}: new version {target.RunningTaskCount}/{target.RequestedTaskCount} task(s) running",
            "BAKE_TIME" => $"{name}: BAKE_TIME: {now.BakeTimeMinutes ?? service.Strategy.BakeTimeMinutes} min, previous version kept; {service.RollbackCommand} switches back",
            "CLEAN_UP" => $"{name}: CLEAN_UP: the previous version's tasks are stopped",
            var stage => $"{name}: {stage}" + (shares is null ? "" : $": {shares}"),
        };
    }

    /// <summary>How a finished deployment ended, and for a rollback what caused it and in which stage.</summary>
    public static ServiceDeploymentEnd Judge(ServiceDeployment final, string stageBeforeUndo) => final.Status switch
    {
        ServiceDeploymentStatus.Successful => new ServiceDeploymentEnd(ServiceDeploymentEnding.Completed, "", stageBeforeUndo, final),
        ServiceDeploymentStatus.RollbackSuccessful => new ServiceDeploymentEnd(ServiceDeploymentEnding.RolledBack, UndoneBecause(final), stageBeforeUndo, final),
        ServiceDeploymentStatus.RollbackFailed => new ServiceDeploymentEnd(ServiceDeploymentEnding.RollbackFailed, UndoneBecause(final), stageBeforeUndo, final),
        _ => new ServiceDeploymentEnd(ServiceDeploymentEnding.Stopped, UndoneBecause(final), stageBeforeUndo, final),
    };

    /// <summary>
    /// What undid a deployment, in History's words: the alarms or the circuit breaker when ECS says they triggered (or its
    /// reason names them), a lifecycle hook when the reason names one, otherwise a request (StopServiceDeployment).
    /// </summary>
    public static string UndoneBecause(ServiceDeployment deployment)
    {
        var reason = $"{deployment.Rollback?.Reason} {deployment.StatusReason}";
        bool Mentions(string word) => reason.Contains(word, StringComparison.OrdinalIgnoreCase);
        if (deployment.Alarms.TriggeredAlarmNames.Count > 0)
            return $"by alarm {string.Join(", ", deployment.Alarms.TriggeredAlarmNames)}";
        if (deployment.Alarms.Status == "TRIGGERED" || Mentions("alarm"))
            return "by alarm";
        if (deployment.CircuitBreaker.Status == "TRIGGERED" || Mentions("circuit breaker"))
            return "by circuit breaker";
        if (Mentions("hook"))
            return "by a lifecycle hook";
        return "by request";
    }

    /// <summary>What of a deployment a user sees change: status, stage, traffic shares and, while scaling, the task counts.</summary>
    static (string, string, double?, double?, double?, int, int) Visible(ServiceDeployment d)
    {
        var (newShare, previousShare) = ProductionShares(d);
        var scaling = d.LifecycleStage is "SCALE_UP" or "POST_SCALE_UP";
        return (d.Status, d.LifecycleStage, newShare, previousShare, d.Target?.RequestedTestTrafficWeight,
            scaling ? d.Target?.RunningTaskCount ?? 0 : 0, scaling ? d.Target?.RequestedTaskCount ?? 0 : 0);
    }

    /// <summary>The production traffic ECS asked for the new version and for the previous ones together (null for a rolling deployment).</summary>
    static (double? New, double? Previous) ProductionShares(ServiceDeployment d)
    {
        var target = d.Target?.RequestedProductionTrafficWeight;
        var sources = d.Sources.Select(s => s.RequestedProductionTrafficWeight).Where(w => w is not null).Select(w => w!.Value).ToList();
        if (target is null && sources.Count == 0)
            return (null, null);
        return (target ?? 100 - sources.Sum(), sources.Count > 0 ? sources.Sum() : 100 - target);
    }

    static string Reason(ServiceDeployment d) => ReasonOf(d) is { Length: > 0 } reason ? $": {reason}" : "";

    /// <summary>What ECS says of a deployment's end: the rollback's reason, else the status reason, without a closing full stop.</summary>
    internal static string ReasonOf(ServiceDeployment d) => (d.Rollback?.Reason is { Length: > 0 } rollback ? rollback : d.StatusReason).TrimEnd('.');

    internal static string Percent(double value) => value.ToString("0.#", CultureInfo.InvariantCulture) + " %";
}

/// <summary>One service a rollout follows: its name in the manifests, the strategy it rolls with and the command that switches it back.</summary>
public sealed record FollowedService(string Name, RolloutStrategy Strategy, string RollbackCommand);

/// <summary>
/// Whether a service's deployment was found: its ARN, none since the time asked, an endpoint without the API (moto), or
/// credentials that may not list deployments.
/// </summary>
public sealed record ServiceDeploymentLookup(ServiceDeploymentLookupKind Kind, string Arn)
{
    public static readonly ServiceDeploymentLookup NoneSince = new(ServiceDeploymentLookupKind.NoneSince, "");

    public static readonly ServiceDeploymentLookup NotOffered = new(ServiceDeploymentLookupKind.NotOffered, "");

    public static readonly ServiceDeploymentLookup NotPermitted = new(ServiceDeploymentLookupKind.NotPermitted, "");

    public static ServiceDeploymentLookup Found(string arn) => new(ServiceDeploymentLookupKind.Found, arn);
}

public enum ServiceDeploymentLookupKind
{
    Found,
    NoneSince,
    NotOffered,
    NotPermitted,
}

public enum ServiceDeploymentEnding
{
    Completed,
    RolledBack,
    RollbackFailed,
    Stopped,
}

/// <summary>How a followed deployment ended; <see cref="Cause"/> (<c>by alarm apigw-dev-fastapi-5xx</c>) says what undid it.</summary>
/// <param name="Stage">The last lifecycle stage seen before it was undone (empty if never seen).</param>
public sealed record ServiceDeploymentEnd(ServiceDeploymentEnding Ending, string Cause, string Stage, ServiceDeployment Deployment)
{
    public bool Completed => Ending == ServiceDeploymentEnding.Completed;

    /// <summary>For History: <c>completed</c>, <c>rolled back by alarm apigw-dev-fastapi-5xx</c>, <c>rolled back by request</c>, ...</summary>
    public string Describe() => Ending switch
    {
        ServiceDeploymentEnding.Completed => "completed",
        ServiceDeploymentEnding.RolledBack => $"rolled back {Cause}",
        ServiceDeploymentEnding.RollbackFailed => $"rollback {Cause} failed",
        _ => $"stopped {Cause}",
    };

    /// <summary>Why a run that followed this deployment fails: what happened, in which stage, and what to do next (like ecspresso, non-zero).</summary>
    public string FailureMessage(string service)
    {
        var where = Stage.Length > 0 ? $" during {Stage}" : "";
        var reason = ServiceDeploymentFollower.ReasonOf(Deployment);
        var what = $"ECS deployment {Deployment.Id} of {service} was {Describe()}{where}" + (reason.Length > 0 ? $" ({reason})." : ".");
        var next = Ending switch
        {
            ServiceDeploymentEnding.RollbackFailed =>
                $" The rollback itself failed, so check which version serves (./build.sh Status) and the service's events, then return {service} to a recorded deploy with ./build.sh Rollback --service {service}.",
            _ when Cause.StartsWith("by alarm", StringComparison.Ordinal) =>
                $" The previous version serves again. The alarm judged the new version only: check its logs (./build.sh Logs --service {service}) and the alarm's metric, fix the release, then redeploy.",
            _ when Cause == "by circuit breaker" =>
                $" The previous version serves again. The new version's tasks did not become healthy: check the stopped tasks and the container logs (./build.sh Logs --service {service}), then redeploy.",
            _ when Cause == "by request" =>
                " The previous version serves again, as asked (./build.sh Rollback or StopServiceDeployment). Redeploy when the new version is ready.",
            _ => " The previous version serves again. Check the deployment's lifecycle hook, then redeploy.",
        };
        return what + next;
    }
}
