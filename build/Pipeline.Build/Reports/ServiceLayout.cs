namespace Pipeline.Build.Reports;

/// <summary>
/// One ECS service with what it takes from its task definition, scalable target and load balancer.
/// Cpu is in CPU units (1024 = 1 vCPU) and Memory in MiB, as in the task definition.
/// </summary>
public sealed record ServiceLayout(
    string Name,
    string LogicalId,
    bool OnFargate,
    int Cpu,
    int Memory,
    int MinTasks,
    int MaxTasks,
    int? ContainerPort,
    int? TargetGroupPort,
    int? ListenerPort,
    string? HealthCheckPath);
