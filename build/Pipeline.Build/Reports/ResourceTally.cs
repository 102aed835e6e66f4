namespace Pipeline.Build.Reports;

/// <summary>Resources of one type that carry no price of their own, or that the estimate cannot price, and why.</summary>
public sealed record ResourceTally(string Type, int Count, string Reason);
