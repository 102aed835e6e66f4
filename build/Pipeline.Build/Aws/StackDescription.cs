namespace Pipeline.Build.Aws;

/// <summary>A CloudFormation stack as DescribeStacks reports it.</summary>
public sealed record StackDescription(
    string StackName,
    string StackId,
    string Status,
    string StatusReason,
    IReadOnlyDictionary<string, string> Outputs)
{
    /// <summary>Current parameter values (e.g. the image tag each service runs).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    public bool IsInProgress => Status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal);
}
