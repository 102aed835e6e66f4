namespace Pipeline.Build.Reports;

/// <summary>What the templates cannot say: how much the system is used in a month.</summary>
public sealed record UsageAssumptions
{
    /// <summary>Requests through each HTTP API. Default 1,000,000.</summary>
    public decimal RequestsPerMonth { get; init; } = 1_000_000m;

    /// <summary>GB processed by the NAT gateways (image pulls, calls out of the VPC). Default 10.</summary>
    public decimal DataTransferGb { get; init; } = 10m;

    /// <summary>GB ingested by each log group. Default 5.</summary>
    public decimal LogIngestionGb { get; init; } = 5m;

    /// <summary>GB stored in each ECR repository, about five kept images. Default 0.5.</summary>
    public decimal EcrStorageGb { get; init; } = 0.5m;

    /// <summary>Average load balancer capacity units used by each ALB. Default 1.</summary>
    public decimal AlbLcu { get; init; } = 1m;

    public static UsageAssumptions Default { get; } = new();
}
