namespace Pipeline.Build.Deploy;

/// <summary>
/// One stack to deploy: its name, the synthesized template file, parameters and stack tags.
/// A null <see cref="TemplatePath"/> updates an existing stack's parameters on its current template.
/// </summary>
public sealed record StackDeployRequest(
    string StackName,
    string? TemplatePath,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>Parameters that keep their current value (Redeploy of one service keeps the others' image tags).</summary>
    public IReadOnlyCollection<string> PreviousValueParameters { get; init; } = [];
}
