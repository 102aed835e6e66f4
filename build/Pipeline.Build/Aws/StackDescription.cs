namespace Pipeline.Build.Aws;

/// <summary>A CloudFormation stack as DescribeStacks reports it.</summary>
public sealed record StackDescription(
    string StackName,
    string StackId,
    string Status,
    string StatusReason,
    IReadOnlyDictionary<string, string> Outputs)
{
    public bool IsInProgress => Status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal);
}
