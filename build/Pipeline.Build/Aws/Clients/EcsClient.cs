using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.Build.Aws.Clients;

/// <summary>The ECS operations the pipeline uses: services, deployments and tasks.</summary>
public sealed class EcsClient(AwsConnection connection, HttpClient http)
{
    readonly AwsJsonClient json = new(connection, AwsService.Ecs, "AmazonEC2ContainerServiceV20141113", http);

    public Uri Endpoint => json.Endpoint;

    /// <summary>The raw JSON 1.1 channel, for operations the typed surface does not cover (test setup, one-off calls).</summary>
    public AwsJsonClient Json => json;

    /// <summary>The services found; missing ones are listed in <c>missing</c> with ECS's reason.</summary>
    public async Task<(IReadOnlyList<EcsService> Services, IReadOnlyList<string> Missing)> DescribeServicesAsync(
        string cluster, IReadOnlyList<string> serviceNames, CancellationToken ct)
    {
        var services = new List<EcsService>();
        var missing = new List<string>();
        // DescribeServices takes at most 10 names per call.
        foreach (var chunk in serviceNames.Chunk(10))
        {
            var result = await json.CallAsync("DescribeServices", new JsonObject
            {
                ["cluster"] = cluster,
                ["services"] = new JsonArray(chunk.Select(n => (JsonNode)n).ToArray()),
            }, ct);
            services.AddRange(result.Items("services").Select(ReadService));
            missing.AddRange(result.Items("failures").Select(f => $"{f.Text("arn")} ({f.Text("reason")})"));
        }
        return (services, missing);
    }

    public async Task<EcsService> ForceNewDeploymentAsync(string cluster, string serviceName, CancellationToken ct)
    {
        var result = await json.CallAsync("UpdateService", new JsonObject
        {
            ["cluster"] = cluster,
            ["service"] = serviceName,
            ["forceNewDeployment"] = true,
        }, ct);
        return ReadService(result.GetProperty("service"));
    }

    /// <summary>Task ARNs of <paramref name="serviceName"/> with the given desired status (RUNNING or STOPPED).</summary>
    public async Task<IReadOnlyList<string>> ListTasksAsync(string cluster, string serviceName, string desiredStatus, CancellationToken ct)
    {
        var arns = new List<string>();
        string? nextToken = null;
        do
        {
            var request = new JsonObject { ["cluster"] = cluster, ["serviceName"] = serviceName, ["desiredStatus"] = desiredStatus };
            if (nextToken is not null)
                request["nextToken"] = nextToken;
            var result = await json.CallAsync("ListTasks", request, ct);
            arns.AddRange(result.Items("taskArns").Select(a => a.GetString()!));
            nextToken = result.Text("nextToken") is { Length: > 0 } token ? token : null;
        }
        while (nextToken is not null);
        return arns;
    }

    public async Task<IReadOnlyList<EcsTask>> DescribeTasksAsync(string cluster, IReadOnlyList<string> taskArns, CancellationToken ct)
    {
        var tasks = new List<EcsTask>();
        // DescribeTasks takes at most 100 ARNs per call.
        foreach (var chunk in taskArns.Chunk(100))
        {
            var result = await json.CallAsync("DescribeTasks", new JsonObject
            {
                ["cluster"] = cluster,
                ["tasks"] = new JsonArray(chunk.Select(a => (JsonNode)a).ToArray()),
            }, ct);
            tasks.AddRange(result.Items("tasks").Select(t => new EcsTask(
                t.Text("taskArn"), t.Text("taskDefinitionArn"), t.Text("lastStatus"), t.Text("stopCode"), t.Text("stoppedReason"),
                t.Items("containers").Where(c => c.Text("reason").Length > 0 || c.Number("exitCode") != 0)
                    .Select(c => $"{c.Text("name")}: {(c.Text("reason").Length > 0 ? c.Text("reason") : "exit code " + c.Number("exitCode"))}")
                    .ToList(),
                t.Time("stoppedAt"))));
        }
        return tasks;
    }

    /// <summary>
    /// The service deployments of <paramref name="service"/>, newest first: with <paramref name="statuses"/>, only those in one
    /// of them; with <paramref name="createdAfter"/>, only those created after it.
    /// </summary>
    public async Task<IReadOnlyList<ServiceDeploymentBrief>> ListServiceDeploymentsAsync(
        string cluster, string service, IReadOnlyList<string>? statuses, DateTimeOffset? createdAfter, CancellationToken ct)
    {
        var briefs = new List<ServiceDeploymentBrief>();
        string? nextToken = null;
        do
        {
            var request = new JsonObject { ["cluster"] = cluster, ["service"] = service };
            if (statuses is { Count: > 0 })
                request["status"] = new JsonArray(statuses.Select(s => (JsonNode)s).ToArray());
            if (createdAfter is { } after)
                request["createdAt"] = new JsonObject { ["after"] = after.ToUnixTimeMilliseconds() / 1000.0 };
            if (nextToken is not null)
                request["nextToken"] = nextToken;
            var result = await json.CallAsync("ListServiceDeployments", request, ct);
            briefs.AddRange(result.Items("serviceDeployments").Select(d => new ServiceDeploymentBrief(
                d.Text("serviceDeploymentArn"), d.Text("serviceArn"), d.Text("status"), d.Text("statusReason"),
                d.Text("targetServiceRevisionArn"), d.Time("createdAt"), d.Time("finishedAt"))));
            nextToken = result.Text("nextToken") is { Length: > 0 } token ? token : null;
        }
        while (nextToken is not null);
        // The API documents no order; the newest is the one a caller looks for.
        return briefs.OrderByDescending(b => b.CreatedAt ?? DateTimeOffset.MinValue).ToList();
    }

    public async Task<IReadOnlyList<ServiceDeployment>> DescribeServiceDeploymentsAsync(IReadOnlyList<string> serviceDeploymentArns, CancellationToken ct)
    {
        var deployments = new List<ServiceDeployment>();
        // DescribeServiceDeployments takes at most 20 ARNs per call.
        foreach (var chunk in serviceDeploymentArns.Chunk(20))
        {
            var result = await json.CallAsync("DescribeServiceDeployments", new JsonObject
            {
                ["serviceDeploymentArns"] = new JsonArray(chunk.Select(a => (JsonNode)a).ToArray()),
            }, ct);
            deployments.AddRange(result.Items("serviceDeployments").Select(ReadServiceDeployment));
        }
        return deployments;
    }

    /// <summary>
    /// Stops a service deployment that is pending or in progress by rolling it back to the service revision that ran
    /// before it; ECS answers at once and rolls back on its own (the deployment goes ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS,
    /// then ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED).
    /// </summary>
    public async Task StopServiceDeploymentAsync(string serviceDeploymentArn, CancellationToken ct) =>
        await json.CallAsync("StopServiceDeployment", new JsonObject
        {
            ["serviceDeploymentArn"] = serviceDeploymentArn,
            ["stopType"] = "ROLLBACK",
        }, ct);

    static ServiceDeployment ReadServiceDeployment(JsonElement d)
    {
        var configuration = d.TryGetProperty("deploymentConfiguration", out var c) ? c : default;
        var alarms = d.TryGetProperty("alarms", out var a) ? a : default;
        var breaker = d.TryGetProperty("deploymentCircuitBreaker", out var b) ? b : default;
        return new ServiceDeployment(
            d.Text("serviceDeploymentArn"), d.Text("serviceArn"), d.Text("status"), d.Text("statusReason"), d.Text("lifecycleStage"),
            d.TryGetProperty("targetServiceRevision", out var target) ? ReadRevision(target) : null,
            d.Items("sourceServiceRevisions").Select(ReadRevision).ToList(),
            d.TryGetProperty("rollback", out var rollback)
                ? new ServiceDeploymentRollback(rollback.Text("reason"), rollback.Text("serviceRevisionArn"), rollback.Time("startedAt"))
                : null,
            new ServiceDeploymentAlarms(alarms.Text("status"), alarms.Items("alarmNames").Select(n => n.GetString() ?? "").ToList(),
                alarms.Items("triggeredAlarmNames").Select(n => n.GetString() ?? "").ToList()),
            new ServiceDeploymentCircuitBreaker(breaker.Text("status"), breaker.Number("failureCount"), breaker.Number("threshold")),
            configuration.Text("strategy"),
            configuration.ValueKind == JsonValueKind.Object && configuration.TryGetProperty("bakeTimeInMinutes", out var bake) && bake.ValueKind == JsonValueKind.Number
                ? bake.GetInt32()
                : null,
            d.Time("createdAt"), d.Time("finishedAt"));
    }

    static ServiceRevisionSummary ReadRevision(JsonElement r) => new(
        r.Text("arn"), r.Number("requestedTaskCount"), r.Number("runningTaskCount"), r.Number("pendingTaskCount"),
        r.Fraction("requestedProductionTrafficWeight"), r.Fraction("requestedTestTrafficWeight"));

    static EcsService ReadService(JsonElement s) => new(
        s.Text("serviceName"), s.Text("status"), s.Text("taskDefinition"),
        s.Number("desiredCount"), s.Number("runningCount"), s.Number("pendingCount"),
        s.Items("deployments").Select(d => new EcsDeployment(
            d.Text("id"), d.Text("status"), d.Text("taskDefinition"),
            d.Number("desiredCount"), d.Number("runningCount"), d.Number("pendingCount"), d.Number("failedTasks"),
            d.Text("rolloutState"), d.Text("rolloutStateReason"), d.Time("createdAt"))).ToList());
}

/// <summary>One deployment of an ECS service (PRIMARY is the one rolling out, ACTIVE the one it replaces).</summary>
public sealed record EcsDeployment(
    string Id,
    string Status,
    string TaskDefinition,
    int DesiredCount,
    int RunningCount,
    int PendingCount,
    int FailedTasks,
    string RolloutState,
    string RolloutStateReason,
    DateTimeOffset? CreatedAt);

/// <summary>An ECS service as DescribeServices reports it.</summary>
public sealed record EcsService(
    string ServiceName,
    string Status,
    string TaskDefinition,
    int DesiredCount,
    int RunningCount,
    int PendingCount,
    IReadOnlyList<EcsDeployment> Deployments)
{
    public EcsDeployment? Primary => Deployments.FirstOrDefault(d => d.Status == "PRIMARY");
}

/// <summary>An ECS task and, once stopped, why: the task's reason and each container's.</summary>
public sealed record EcsTask(
    string TaskArn,
    string TaskDefinition,
    string LastStatus,
    string StopCode,
    string StoppedReason,
    IReadOnlyList<string> ContainerReasons,
    DateTimeOffset? StoppedAt);

/// <summary>A service deployment as ListServiceDeployments lists it.</summary>
public sealed record ServiceDeploymentBrief(
    string Arn,
    string ServiceArn,
    string Status,
    string StatusReason,
    string TargetServiceRevisionArn,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? FinishedAt);

/// <summary>
/// One service deployment as DescribeServiceDeployments reports it: where it is (<see cref="Status"/>, <see cref="LifecycleStage"/>),
/// the revision it deploys and the ones it replaces with their traffic weights, and what judges it (alarms, circuit breaker).
/// </summary>
public sealed record ServiceDeployment(
    string Arn,
    string ServiceArn,
    string Status,
    string StatusReason,
    string LifecycleStage,
    ServiceRevisionSummary? Target,
    IReadOnlyList<ServiceRevisionSummary> Sources,
    ServiceDeploymentRollback? Rollback,
    ServiceDeploymentAlarms Alarms,
    ServiceDeploymentCircuitBreaker CircuitBreaker,
    string Strategy,
    int? BakeTimeMinutes,
    DateTimeOffset? CreatedAt,
    DateTimeOffset? FinishedAt)
{
    /// <summary>The last part of the ARN, the id ECS shows in its console.</summary>
    public string Id => Arn[(Arn.LastIndexOf('/') + 1)..];
}

/// <summary>
/// A service revision's part in a deployment: its task counts and, for blue/green, canary and linear deployments, the share of
/// production and test traffic ECS has asked for it (percent; null for a rolling deployment).
/// </summary>
public sealed record ServiceRevisionSummary(
    string Arn,
    int RequestedTaskCount,
    int RunningTaskCount,
    int PendingTaskCount,
    double? RequestedProductionTrafficWeight,
    double? RequestedTestTrafficWeight);

/// <summary>Why and when a service deployment was rolled back, and to which revision.</summary>
public sealed record ServiceDeploymentRollback(string Reason, string ServiceRevisionArn, DateTimeOffset? StartedAt);

/// <summary>The deployment's alarms: TRIGGERED, MONITORING, MONITORING_COMPLETE or DISABLED, and the ones that went off.</summary>
public sealed record ServiceDeploymentAlarms(string Status, IReadOnlyList<string> AlarmNames, IReadOnlyList<string> TriggeredAlarmNames);

/// <summary>The deployment's circuit breaker: TRIGGERED, MONITORING, MONITORING_COMPLETE or DISABLED, and how many failures it counted.</summary>
public sealed record ServiceDeploymentCircuitBreaker(string Status, int FailureCount, int Threshold);

/// <summary>The statuses of a service deployment (ECS's <c>ServiceDeploymentStatus</c>).</summary>
public static class ServiceDeploymentStatus
{
    public const string Pending = "PENDING";
    public const string InProgress = "IN_PROGRESS";
    public const string Successful = "SUCCESSFUL";
    public const string StopRequested = "STOP_REQUESTED";
    public const string Stopped = "STOPPED";
    public const string RollbackRequested = "ROLLBACK_REQUESTED";
    public const string RollbackInProgress = "ROLLBACK_IN_PROGRESS";
    public const string RollbackSuccessful = "ROLLBACK_SUCCESSFUL";
    public const string RollbackFailed = "ROLLBACK_FAILED";

    /// <summary>Whether ECS has finished with the deployment, one way or another.</summary>
    public static bool IsFinished(string status) => status is Successful or Stopped or RollbackSuccessful or RollbackFailed;

    /// <summary>Whether the deployment is being, or has been, rolled back or stopped.</summary>
    public static bool IsUndone(string status) => status is StopRequested or Stopped or RollbackRequested or RollbackInProgress or RollbackSuccessful or RollbackFailed;
}
