using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Operations;

/// <summary>
/// Day-to-day looks at a running AWS environment, all read-only: Status (stacks, ECS counts, rollouts, URLs), Logs
/// (CloudWatch Logs of one service), Token (the environment's Cognito machine client), and Down's refusal, which says
/// how to delete an environment instead.
/// </summary>
public sealed class AwsOperations(AwsContext aws)
{
    string Environment => aws.Environment;

    public async Task StatusAsync(TextWriter output, CancellationToken cancellation)
    {
        var stacks = await aws.CloudFormation.DescribeAllStacksAsync(cancellation);
        if (!stacks.TryGetValue(aws.SharedStack, out var shared))
            throw new PipelineException($"Environment {Environment} is not deployed: stack {aws.SharedStack} does not exist. Run ./build.sh Deploy --profile <profile of {Environment}>.");
        var environment = aws.Deployed();
        var cluster = await environment.ClusterAsync(cancellation);
        var deployedServices = new List<DeployedService>();
        foreach (var service in aws.Settings.Catalog.Services.Where(s => stacks.ContainsKey(aws.ServiceStack(s.Name))))
            deployedServices.Add(await environment.ServiceAsync(service, cancellation));
        var (ecsServices, missing) = await new EcsClient(aws.Connection, aws.Http).DescribeServicesAsync(
            cluster, deployedServices.Select(s => s.EcsServiceName).ToList(), cancellation);
        output.WriteLine($"Stack {aws.SharedStack}: {shared.Status}   {aws.RegistryStack}: {stacks.GetValueOrDefault(aws.RegistryStack)?.Status ?? "missing"}");
        var endpoint = shared.Outputs.GetValueOrDefault(DeploymentNames.ApiEndpointOutput);
        var table = new TextTable("Service", "Stack", "Version", "Running", "Pending", "Desired", "Rollout", "URL");
        foreach (var service in aws.Settings.Catalog.Services)
        {
            var stack = stacks.GetValueOrDefault(aws.ServiceStack(service.Name));
            var name = deployedServices.FirstOrDefault(d => d.Manifest.Name == service.Name)?.EcsServiceName;
            var ecs = name is null ? null : ecsServices.FirstOrDefault(s => name.EndsWith(s.ServiceName, StringComparison.Ordinal));
            table.Add(service.Name, stack?.Status ?? "missing", stack?.Parameters.GetValueOrDefault(DeploymentNames.ImageTagParameter(service.Name)) ?? "-",
                ecs?.RunningCount.ToString() ?? "-", ecs?.PendingCount.ToString() ?? "-", ecs?.DesiredCount.ToString() ?? "-",
                ecs?.Primary?.RolloutState ?? (ecs is null ? "-" : ""),
                endpoint is { Length: > 0 } ? endpoint.TrimEnd('/') + service.RoutePrefix : "");
        }
        table.WriteTo(output);
        if (missing.Count > 0)
            output.WriteLine($"Not found in cluster {cluster}: {string.Join(", ", missing)}");
    }

    public async Task LogsAsync(LogQuery query, TextWriter output, CancellationToken cancellation)
    {
        var service = query.Service ?? throw new PipelineException("Logs on AWS shows one service's logs: add --service <name>.");
        var (tail, follow) = (query.Tail, query.Follow);
        var group = (await aws.Deployed().ServiceAsync(service, cancellation)).LogGroup;
        var logs = new LogsClient(aws.Connection, aws.Http);
        var since = DateTimeOffset.UtcNow.AddHours(-1);
        var events = await logs.FilterLogEventsAsync(group, since, null, int.MaxValue, cancellation);
        foreach (var e in events.TakeLast(tail))
            output.WriteLine($"{e.Timestamp:HH:mm:ss} {TaskOf(e.LogStreamName)} {e.Message.TrimEnd()}");
        var last = events.Count > 0 ? events[^1].Timestamp : since;
        while (follow && !cancellation.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), cancellation);
            foreach (var e in await logs.FilterLogEventsAsync(group, last.AddMilliseconds(1), null, 1000, cancellation))
            {
                output.WriteLine($"{e.Timestamp:HH:mm:ss} {e.Message.TrimEnd()}");
                last = e.Timestamp;
            }
        }
    }

    /// <summary>awslogs streams are <c>prefix/container/task-id</c>; the task id's start tells the tasks apart.</summary>
    static string TaskOf(string logStreamName)
    {
        var taskId = logStreamName[(logStreamName.LastIndexOf('/') + 1)..];
        return taskId[..Math.Min(8, taskId.Length)];
    }

    /// <summary>The environment's Cognito machine client's token, or how to get one from the external provider (<see cref="EnvironmentToken"/>).</summary>
    public Task<string> AccessTokenAsync(IStepLog log, CancellationToken cancellation)
    {
        // Answered without calling AWS: the profile names the provider, and the pipeline holds no client there.
        if (aws.Settings.JwtIssuer is { } issuer)
            throw EnvironmentToken.ExternalIssuer(Environment, issuer, aws.Settings.JwtAudience);
        return new EnvironmentToken(new SsmClient(aws.Connection, aws.Http), new CognitoIdentityProviderClient(aws.Connection, aws.Http), aws.Http)
            .GetAsync(Environment, log, cancellation);
    }

    public static PipelineException DownRefused(string environment) => new(
        $"Down takes down the local platform only; it never deletes an AWS environment. To delete environment {environment}, " +
        $"run ./build.sh Destroy --profile <profile of {environment}> (see what it would delete first with --dry-run): it deletes the service stacks, " +
        $"then {DeploymentNames.SharedStack(environment)}, then {DeploymentNames.RegistryStack(environment)}.");
}
