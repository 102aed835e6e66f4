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
