namespace Pipeline.Build.Reports;

/// <summary>The list prices of one region, one property per priced dimension (as spelled in prices.json).</summary>
public sealed record RegionPrices
{
    public required Price NatGatewayHour { get; init; }
    public required Price NatGatewayGb { get; init; }
    public required Price PublicIpv4Hour { get; init; }
    public required Price HttpApiMillionRequests { get; init; }
    public required Price VpcLinkHour { get; init; }
    public required Price FargateVcpuHour { get; init; }
    public required Price FargateGbHour { get; init; }
    public required Price AlbHour { get; init; }
    public required Price AlbLcuHour { get; init; }
    public required Price EcrGbMonth { get; init; }
    public required Price LogsIngestionGb { get; init; }
    public required Price LogsStorageGbMonth { get; init; }
    public required Price AlarmMetricMonth { get; init; }
    public required Price HighResolutionAlarmMetricMonth { get; init; }
}
