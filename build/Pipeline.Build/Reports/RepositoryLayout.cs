namespace Pipeline.Build.Reports;

/// <summary>An ECR repository, how many images its lifecycle policy keeps (null: no count rule) and the service that pulls from it.</summary>
public sealed record RepositoryLayout(string LogicalId, string Name, int? KeepsImages, string? Service);
