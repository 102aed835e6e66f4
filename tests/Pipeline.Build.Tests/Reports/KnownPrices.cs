using Pipeline.Build.Reports;

namespace Pipeline.Build.Tests.Reports;

/// <summary>A price table written out in the test, so hand-computed sums do not move when prices.json is updated.</summary>
public static class KnownPrices
{
    public static PriceTable Table { get; } = new("us-east-1", "2025-01-01", 730m, ["test prices"], new RegionPrices
    {
        NatGatewayHour = P(0.045m),
        NatGatewayGb = P(0.045m),
        PublicIpv4Hour = P(0.005m),
        HttpApiMillionRequests = P(1.00m),
        VpcLinkHour = P(0m),
        FargateVcpuHour = P(0.04048m),
        FargateGbHour = P(0.004445m),
        AlbHour = P(0.0225m),
        AlbLcuHour = P(0.008m),
        EcrGbMonth = P(0.10m),
        LogsIngestionGb = P(0.50m),
        LogsStorageGbMonth = P(0.03m),
        AlarmMetricMonth = P(0.10m),
        HighResolutionAlarmMetricMonth = P(0.30m),
    });

    static Price P(decimal usd) => new(usd, "per unit", "test");
}
