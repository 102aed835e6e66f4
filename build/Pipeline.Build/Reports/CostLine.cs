namespace Pipeline.Build.Reports;

/// <summary>
/// One priced component: what it is, the service it belongs to (null when shared), the quantity priced,
/// and its monthly cost at the minimum and the maximum task count (equal for everything that does not scale).
/// </summary>
public sealed record CostLine(string Component, string? Service, string Quantity, decimal Minimum, decimal Maximum, string Note);
