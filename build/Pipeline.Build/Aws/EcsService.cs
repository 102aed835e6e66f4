namespace Pipeline.Build.Aws;

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
