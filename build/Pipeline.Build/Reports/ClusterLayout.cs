namespace Pipeline.Build.Reports;

/// <summary>An ECS cluster and whether Container Insights (billed as custom metrics) is on.</summary>
public sealed record ClusterLayout(string LogicalId, bool ContainerInsights);
