using System.Text.Json;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Reports;

/// <summary>The price file of the repository (<c>build/Pipeline.Build/Reports/prices.json</c>): list prices per region.</summary>
public sealed record PriceBook
{
    public static readonly string RelativePath = Path.Combine("build", "Pipeline.Build", "Reports", "prices.json");

    static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public required string TakenOn { get; init; }
    public required decimal HoursPerMonth { get; init; }
    public required IReadOnlyList<string> Sources { get; init; }
    public required IReadOnlyDictionary<string, RegionPrices> Regions { get; init; }

    public static PriceBook Load(string path)
    {
        if (!File.Exists(path))
            throw new PipelineException($"The price table {path} is missing. Restore it from version control; cost estimates read their prices from it.");
        try
        {
            return JsonSerializer.Deserialize<PriceBook>(File.ReadAllText(path), Options)
                   ?? throw new JsonException("the file holds null");
        }
        catch (JsonException e)
        {
            throw new PipelineException($"The price table {path} cannot be read: {e.Message} Fix the file; every region needs every price.");
        }
    }

    public static PriceBook LoadFromRepository(string repositoryRoot) => Load(Path.Combine(repositoryRoot, RelativePath));

    public PriceTable For(string region)
    {
        if (!Regions.TryGetValue(region, out var prices))
            throw new PipelineException(
                $"There are no prices for region '{region}' in {RelativePath.Replace('\\', '/')} (it has {string.Join(", ", Regions.Keys.Order(StringComparer.Ordinal))}). " +
                "Pass --aws-region with one of those, or add the region's list prices to the file.");
        return new PriceTable(region, TakenOn, HoursPerMonth, Sources, prices);
    }
}

/// <summary>One list price: the amount in US dollars, what it is charged per, and the pricing page it comes from.</summary>
public sealed record Price(decimal Usd, string Unit, string Source);

/// <summary>The prices an estimate uses: one region's list prices, when they were taken and from which pages.</summary>
public sealed record PriceTable(
    string Region,
    string TakenOn,
    decimal HoursPerMonth,
    IReadOnlyList<string> Sources,
    RegionPrices Prices);

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
