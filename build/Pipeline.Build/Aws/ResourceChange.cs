namespace Pipeline.Build.Aws;

/// <summary>One resource in a change set: Add, Modify, Remove (or Import/Dynamic), and whether a Modify replaces it.</summary>
public sealed record ResourceChange(string Action, string LogicalResourceId, string ResourceType, string Replacement);
