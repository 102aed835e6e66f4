namespace Pipeline.Build.Reports;

/// <summary>An Elastic Load Balancing v2 load balancer: application, network or gateway; internal or internet-facing.</summary>
public sealed record LoadBalancerLayout(string LogicalId, string Type, string Scheme, string? Service);
