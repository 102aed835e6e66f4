namespace Pipeline.Build.Reports;

/// <summary>One list price: the amount in US dollars, what it is charged per, and the pricing page it comes from.</summary>
public sealed record Price(decimal Usd, string Unit, string Source);
