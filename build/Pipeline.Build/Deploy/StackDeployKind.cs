namespace Pipeline.Build.Deploy;

public enum StackDeployKind
{
    Created,
    Updated,
    NoChanges,
    DryRun,
}
