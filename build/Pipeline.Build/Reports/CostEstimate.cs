namespace Pipeline.Build.Reports;

/// <summary>A monthly cost estimate: priced lines, free and unpriced resources, and what it assumed.</summary>
public sealed record CostEstimate(
    PriceTable Prices,
    UsageAssumptions Usage,
    IReadOnlyList<CostLine> Lines,
    IReadOnlyList<ResourceTally> Free,
    IReadOnlyList<ResourceTally> NotPriced)
{
    public decimal MinimumTotal => Lines.Sum(l => l.Minimum);

    public decimal MaximumTotal => Lines.Sum(l => l.Maximum);

    /// <summary>The part of the estimate that belongs to one service.</summary>
    public decimal MinimumFor(string service) => Lines.Where(l => l.Service == service).Sum(l => l.Minimum);

    public decimal MaximumFor(string service) => Lines.Where(l => l.Service == service).Sum(l => l.Maximum);
}

/// <summary>
/// One priced component: what it is, the service it belongs to (null when shared), the quantity priced,
/// and its monthly cost at the minimum and the maximum task count (equal for everything that does not scale).
/// </summary>
public sealed record CostLine(string Component, string? Service, string Quantity, decimal Minimum, decimal Maximum, string Note);
