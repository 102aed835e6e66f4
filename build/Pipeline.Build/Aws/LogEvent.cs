namespace Pipeline.Build.Aws;

/// <summary>One CloudWatch Logs line.</summary>
public sealed record LogEvent(DateTimeOffset Timestamp, string LogStreamName, string Message);
