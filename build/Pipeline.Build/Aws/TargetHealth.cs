namespace Pipeline.Build.Aws;

/// <summary>One target of a load balancer target group: healthy, unhealthy, draining…, and why.</summary>
public sealed record TargetHealth(string TargetId, int Port, string State, string Reason, string Description);
