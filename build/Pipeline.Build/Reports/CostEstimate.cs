namespace Pipeline.Build.Reports;

/// <summary>A monthly cost estimate: priced lines, free and unpriced resources, what it assumed, and what the services' own ALBs add up to.</summary>
public sealed record CostEstimate(
    PriceTable Prices,
    UsageAssumptions Usage,
    IReadOnlyList<CostLine> Lines,
    IReadOnlyList<ResourceTally> Free,
    IReadOnlyList<ResourceTally> NotPriced,
    ServiceAlbCost ServiceAlbs)
{
    public decimal MinimumTotal => Lines.Sum(l => l.Minimum);

    public decimal MaximumTotal => Lines.Sum(l => l.Maximum);

    /// <summary>The part of the estimate that belongs to one service.</summary>
    public decimal MinimumFor(string service) => Lines.Where(l => l.Service == service).Sum(l => l.Minimum);
}

/// <summary>
/// One priced component: what it is, the service it belongs to (null when shared), the quantity priced,
/// and its monthly cost at the minimum and the maximum task count (equal for everything that does not scale).
/// </summary>
public sealed record CostLine(string Component, string? Service, string Quantity, decimal Minimum, decimal Maximum, string Note);

/// <summary>
/// The price of isolation: every service sits behind an internal ALB of its own, so each service adds <see cref="Each"/>
/// a month for it (already on its "ALB &lt;service&gt;" line), and <see cref="Count"/> services pay <see cref="Total"/>.
/// </summary>
public sealed record ServiceAlbCost(int Count, decimal Each)
{
    public decimal Total => Count * Each;
}
