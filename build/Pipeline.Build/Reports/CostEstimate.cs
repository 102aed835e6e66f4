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
