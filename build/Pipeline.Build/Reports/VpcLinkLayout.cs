namespace Pipeline.Build.Reports;

/// <summary>A VPC link of an HTTP API and how many subnets it places its interfaces in.</summary>
public sealed record VpcLinkLayout(string LogicalId, int Subnets);
