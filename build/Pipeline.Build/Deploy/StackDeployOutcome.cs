namespace Pipeline.Build.Deploy;

/// <summary>What a stack deploy did, and the stack's outputs afterwards (empty for a dry run of a new stack).</summary>
public sealed record StackDeployOutcome(string StackName, StackDeployKind Kind, IReadOnlyDictionary<string, string> Outputs);
