namespace Pipeline.Build.Aws;

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
