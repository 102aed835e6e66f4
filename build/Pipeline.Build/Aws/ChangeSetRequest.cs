namespace Pipeline.Build.Aws;

/// <summary>What CreateChangeSet needs. Exactly one of <see cref="TemplateBody"/> and <see cref="TemplateUrl"/> is set.</summary>
public sealed record ChangeSetRequest(
    string StackName,
    string ChangeSetName,
    bool CreatesStack,
    string? TemplateBody,
    string? TemplateUrl,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyDictionary<string, string> Tags);
