namespace Pipeline.Build.Aws.Zones;

/// <summary>
/// The Availability Zones, by zone ID, in which API Gateway supports VPC links for HTTP APIs: the "Availability by Region"
/// table of <see cref="Source"/>. A VPC link cannot be created with a subnet in another zone, so the shared stack's subnets
/// must all be in zones listed here. Update the table from that page when AWS adds a region or a zone.
/// </summary>
public static class VpcLinkZones
{
    public const string Source = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vpc-links.html";

    static readonly Dictionary<string, string[]> ByRegion = new(StringComparer.Ordinal)
    {
        ["us-east-2"] = ["use2-az1", "use2-az2", "use2-az3"],
        ["us-east-1"] = ["use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"],
        ["us-west-1"] = ["usw1-az1", "usw1-az3"],
        ["us-west-2"] = ["usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"],
        ["ap-east-1"] = ["ape1-az2", "ape1-az3"],
        ["ap-south-1"] = ["aps1-az1", "aps1-az2", "aps1-az3"],
        ["ap-northeast-2"] = ["apne2-az1", "apne2-az2", "apne2-az3"],
        ["ap-southeast-1"] = ["apse1-az1", "apse1-az2", "apse1-az3"],
        ["ap-southeast-2"] = ["apse2-az1", "apse2-az2", "apse2-az3"],
        ["ap-northeast-1"] = ["apne1-az1", "apne1-az2", "apne1-az4"],
        ["ca-central-1"] = ["cac1-az1", "cac1-az2"],
        ["eu-central-1"] = ["euc1-az1", "euc1-az2", "euc1-az3"],
        ["eu-west-1"] = ["euw1-az1", "euw1-az2", "euw1-az3"],
        ["eu-west-2"] = ["euw2-az1", "euw2-az2", "euw2-az3"],
        ["eu-west-3"] = ["euw3-az1", "euw3-az3"],
        ["eu-south-2"] = ["eus2-az1", "eus2-az2", "eus2-az3"],
        ["eu-north-1"] = ["eun1-az1", "eun1-az2", "eun1-az3"],
        ["me-south-1"] = ["mes1-az1", "mes1-az2", "mes1-az3"],
        ["sa-east-1"] = ["sae1-az1", "sae1-az2", "sae1-az3"],
        ["us-gov-west-1"] = ["usgw1-az1", "usgw1-az2", "usgw1-az3"],
    };

    /// <summary>The regions the table lists, in the page's order.</summary>
    public static IReadOnlyCollection<string> Regions => ByRegion.Keys;

    /// <summary>The zone IDs of <paramref name="region"/> that support VPC links; empty when the table does not list the region.</summary>
    public static IReadOnlyList<string> In(string region) => ByRegion.TryGetValue(region, out var zones) ? zones : [];

    public static bool Supports(string region, string zoneId) => In(region).Contains(zoneId, StringComparer.Ordinal);
}
