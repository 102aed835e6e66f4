namespace Pipeline.Build.Infra;

/// <summary>One resource that breaks one security rule.</summary>
public sealed record RuleViolation(string RuleId, string LogicalId, string Message)
{
    public override string ToString() => $"{RuleId} {LogicalId}: {Message}";
}
