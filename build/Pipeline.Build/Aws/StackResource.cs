namespace Pipeline.Build.Aws;

/// <summary>One resource of a stack as ListStackResources reports it.</summary>
public sealed record StackResource(string LogicalId, string PhysicalId, string Type);
