using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws;

/// <summary>
/// Finds what an environment runs: the ECS cluster in the shared stack, and each service's ECS service and log group in
/// that service's stack. From the stacks' outputs, or, where an implementation leaves outputs empty, from their
/// resources (a service stack holds one ECS service and one log group; the shared stack one cluster).
/// </summary>
/// <param name="stacks">The environment's stacks when already listed (DescribeAllStacks), to save a call per stack.</param>
internal sealed class DeployedEnvironment(CloudFormationClient cloudFormation, string environment, IReadOnlyDictionary<string, StackDescription>? stacks = null)
{
    public async Task<string> ClusterAsync(CancellationToken cancellation) =>
        await FindAsync(DeploymentNames.SharedStack(environment), DeploymentNames.ClusterNameOutput, "AWS::ECS::Cluster", cancellation);

    public async Task<DeployedService> ServiceAsync(ServiceManifest service, CancellationToken cancellation)
    {
        var stack = DeploymentNames.ServiceStack(environment, service.Name);
        return new DeployedService(
            service,
            await FindAsync(stack, DeploymentNames.ServiceNameOutput(service.Name), "AWS::ECS::Service", cancellation),
            await FindAsync(stack, DeploymentNames.LogGroupOutput(service.Name), "AWS::Logs::LogGroup", cancellation));
    }

    /// <summary>
    /// The desired count the service runs with now (autoscaling's choice, never below its minimum), so that a deploy hands
    /// CloudFormation that count instead of resetting it to the minimum; a service that does not exist yet starts at its minimum.
    /// </summary>
    public async Task<int> DesiredCountAsync(ServiceManifest service, EcsClient ecs, CancellationToken cancellation)
    {
        var stackName = DeploymentNames.ServiceStack(environment, service.Name);
        var stack = stacks is null ? await cloudFormation.DescribeStackAsync(stackName, cancellation) : stacks.GetValueOrDefault(stackName);
        if (stack is null)
            return service.MinTasks;
        var running = await ServiceAsync(service, cancellation);
        var (services, _) = await ecs.DescribeServicesAsync(await ClusterAsync(cancellation), [running.EcsServiceName], cancellation);
        return services.FirstOrDefault() is { Status: "ACTIVE" } current ? Math.Max(current.DesiredCount, service.MinTasks) : service.MinTasks;
    }

    async Task<string> FindAsync(string stackName, string outputKey, string resourceType, CancellationToken cancellation)
    {
        var stack = (stacks is null ? await cloudFormation.DescribeStackAsync(stackName, cancellation) : stacks.GetValueOrDefault(stackName))
            ?? throw new PipelineException($"Stack {stackName} does not exist: environment {environment} is not (fully) deployed. Run ./build.sh Deploy --profile <profile of {environment}>.");
        if (stack.Outputs.GetValueOrDefault(outputKey) is { Length: > 0 } value)
            return value;
        var candidates = (await cloudFormation.ListStackResourcesAsync(stackName, cancellation)).Where(r => r.Type == resourceType).ToList();
        return candidates.Count == 1 ? candidates[0].PhysicalId : throw new PipelineException(
            $"Stack {stackName} has neither output {outputKey} nor exactly one {resourceType} (found {candidates.Count}). " +
            "Was it deployed by this pipeline? Run ./build.sh Deploy.");
    }
}

/// <summary>Physical names of one deployed service.</summary>
internal sealed record DeployedService(ServiceManifest Manifest, string EcsServiceName, string LogGroup);
