namespace Pipeline.Build.Reports;

/// <summary>One route of an HTTP API and the service whose load balancer it reaches (null when it reaches none).</summary>
public sealed record RouteLayout(string RouteKey, string? Service, bool ThroughVpcLink);
