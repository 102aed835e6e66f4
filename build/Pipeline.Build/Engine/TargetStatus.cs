namespace Pipeline.Build.Engine;

public enum TargetStatus
{
    Succeeded,
    Failed,
    Skipped,
    NotRun,
}
