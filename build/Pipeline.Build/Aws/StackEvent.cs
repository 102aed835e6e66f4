namespace Pipeline.Build.Aws;

/// <summary>One entry of a stack's event log.</summary>
public sealed record StackEvent(
    string EventId,
    DateTimeOffset Timestamp,
    string LogicalResourceId,
    string ResourceType,
    string ResourceStatus,
    string ResourceStatusReason);
