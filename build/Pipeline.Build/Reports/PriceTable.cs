namespace Pipeline.Build.Reports;

/// <summary>The prices an estimate uses: one region's list prices, when they were taken and from which pages.</summary>
public sealed record PriceTable(
    string Region,
    string TakenOn,
    decimal HoursPerMonth,
    IReadOnlyList<string> Sources,
    RegionPrices Prices);
