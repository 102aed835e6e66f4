namespace Pipeline.Build.Reports;

/// <summary>A CloudWatch log group, what writes to it, and how long it keeps events (null: forever).</summary>
public sealed record LogGroupLayout(string LogicalId, string Purpose, int? RetentionInDays, string? Service);
