namespace Pipeline.Build.Aws;

/// <summary>An ECS task and, once stopped, why: the task's reason and each container's.</summary>
public sealed record EcsTask(
    string TaskArn,
    string TaskDefinition,
    string LastStatus,
    string StopCode,
    string StoppedReason,
    IReadOnlyList<string> ContainerReasons,
    DateTimeOffset? StoppedAt);
