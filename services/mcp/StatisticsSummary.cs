using System.Text.Json.Serialization;

namespace Mcp.Server;

/// <summary>Descriptive statistics as the fastapi service computes them.</summary>
public sealed record StatisticsSummary(
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("sum")] double Sum,
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("median")] double Median,
    [property: JsonPropertyName("min")] double Min,
    [property: JsonPropertyName("max")] double Max,
    // Written even when null (fewer than two values): the tool's output schema requires it, and clients that check
    // structured content against that schema (the TypeScript SDK does) reject a result without it.
    [property: JsonPropertyName("stdev"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? Stdev,
    [property: JsonPropertyName("computed_by")] string ComputedBy);
