namespace Pipeline.Build.Aws;

/// <summary>
/// What CreateChangeSet needs. At most one of <see cref="TemplateBody"/> and <see cref="TemplateUrl"/> is set;
/// with neither, the stack's current template is reused (an update that changes parameters only).
/// </summary>
public sealed record ChangeSetRequest(
    string StackName,
    string ChangeSetName,
    bool CreatesStack,
    string? TemplateBody,
    string? TemplateUrl,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>Parameters that keep the value the stack has now.</summary>
    public IReadOnlyCollection<string> PreviousValueParameters { get; init; } = [];
}
