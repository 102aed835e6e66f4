namespace Pipeline.Build.Reports;

/// <summary>A CloudWatch alarm: the service whose resources it watches, how many metrics it evaluates and at which resolution.</summary>
public sealed record AlarmLayout(string LogicalId, string? Service, int Metrics, bool HighResolution);
