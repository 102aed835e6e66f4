using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws;

/// <summary>
/// Finds the ECS cluster, services and log groups of a deployed app stack: from its outputs, or, where an
/// implementation leaves outputs empty, from its resources (the service's logical id starts with its PascalCase name).
/// </summary>
internal sealed class DeployedStack(CloudFormationClient cloudFormation, string stackName)
{
    public async Task<DeployedNames> LocateAsync(ServiceCatalog catalog, CancellationToken cancellation)
    {
        var stack = await cloudFormation.DescribeStackAsync(stackName, cancellation)
            ?? throw new PipelineException($"Stack {stackName} does not exist. Run ./build.sh Deploy first.");
        var outputs = stack.Outputs;
        IReadOnlyList<StackResource>? resources = null;

        async Task<string> Find(string outputKey, string resourceType, string? service)
        {
            if (outputs.GetValueOrDefault(outputKey) is { Length: > 0 } value) return value;
            resources ??= await cloudFormation.ListStackResourcesAsync(stackName, cancellation);
            var candidates = resources.Where(r => r.Type == resourceType).ToList();
            var match = service is null
                ? candidates.SingleOrDefault()
                : candidates.Where(r => r.LogicalId.StartsWith(DeploymentNames.Pascal(service), StringComparison.Ordinal))
                    .OrderBy(r => r.LogicalId.Length).FirstOrDefault();
            return match?.PhysicalId ?? throw new PipelineException(
                $"Stack {stackName} has neither output {outputKey} nor a {resourceType}{(service is null ? "" : $" for {service}")}. " +
                "Was it deployed by this pipeline? Run ./build.sh Deploy.");
        }

        var cluster = await Find(DeploymentNames.ClusterNameOutput, "AWS::ECS::Cluster", null);
        var services = new Dictionary<string, string>();
        var logGroups = new Dictionary<string, string>();
        foreach (var service in catalog.Services)
        {
            services[service.Name] = await Find(DeploymentNames.ServiceNameOutput(service.Name), "AWS::ECS::Service", service.Name);
            logGroups[service.Name] = await Find(DeploymentNames.LogGroupOutput(service.Name), "AWS::Logs::LogGroup", service.Name);
        }
        return new DeployedNames(cluster, services, logGroups);
    }
}

/// <summary>Physical names of what an app stack runs.</summary>
internal sealed record DeployedNames(string Cluster, IReadOnlyDictionary<string, string> Services, IReadOnlyDictionary<string, string> LogGroups)
{
    public string ServiceNameOf(ServiceManifest service) => Services[service.Name];
    public string LogGroupOf(ServiceManifest service) => LogGroups[service.Name];
}
