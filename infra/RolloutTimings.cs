namespace Pipeline.Infra;

/// <summary>
/// Health-check and draining settings of every service, and the rollout time they imply.
/// A rolling batch is done when the new tasks are healthy and the old ones have drained:
/// healthy threshold × interval + deregistration delay.
/// </summary>
public static class RolloutTimings
{
    public const int HealthCheckIntervalSeconds = 5;
    public const int HealthCheckTimeoutSeconds = 3;
    public const int HealthyThresholdCount = 2;
    public const int UnhealthyThresholdCount = 3;

    /// <summary>MCP tool calls can take 30 s; draining must let the slowest in-flight response finish, plus a margin.</summary>
    public const int DeregistrationDelaySeconds = 35;

    /// <summary>Time ECS ignores failing ALB checks after a task starts (runtime start-up).</summary>
    public const int HealthCheckGracePeriodSeconds = 30;

    public const int ContainerHealthIntervalSeconds = 10;
    public const int ContainerHealthTimeoutSeconds = 5;
    public const int ContainerHealthRetries = 3;
    public const int ContainerHealthStartPeriodSeconds = 15;

    public static int WorstCaseBatchSeconds(int healthyThreshold, int intervalSeconds, int deregistrationDelaySeconds) =>
        healthyThreshold * intervalSeconds + deregistrationDelaySeconds;

    public static int Ours => WorstCaseBatchSeconds(HealthyThresholdCount, HealthCheckIntervalSeconds, DeregistrationDelaySeconds);

    /// <summary>ALB defaults: 5 healthy checks every 30 s, 300 s draining.</summary>
    public static int AwsDefaults => WorstCaseBatchSeconds(5, 30, 300);

    /// <summary>The original Terraform: 2 healthy checks every 30 s, 30 s draining.</summary>
    public static int Original => WorstCaseBatchSeconds(2, 30, 30);
}
