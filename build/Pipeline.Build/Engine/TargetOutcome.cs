namespace Pipeline.Build.Engine;

/// <summary>How one target of the plan ended, for the table at the end of a run.</summary>
internal sealed record TargetOutcome(string Target, TargetStatus Status, TimeSpan Duration, string? Note);
