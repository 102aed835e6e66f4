namespace Pipeline.Build.Engine;

/// <summary>One target in an execution plan, with why it is there and, if so, why it will not run.</summary>
internal sealed record PlanEntry(ExecutableTarget Target, string Reason, string? SkipReason)
{
    public bool IsSkipped => SkipReason is not null;
}
