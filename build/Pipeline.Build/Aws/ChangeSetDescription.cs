namespace Pipeline.Build.Aws;

/// <summary>A change set as DescribeChangeSet reports it, with all pages of changes.</summary>
public sealed record ChangeSetDescription(
    string ChangeSetId,
    string Status,
    string ExecutionStatus,
    string StatusReason,
    IReadOnlyList<ResourceChange> Changes)
{
    /// <summary>CloudFormation's way of saying "nothing to do": the change set fails with this reason.</summary>
    public bool HasNoChanges =>
        Status == "FAILED" &&
        (StatusReason.Contains("didn't contain changes", StringComparison.OrdinalIgnoreCase) ||
         StatusReason.Contains("No updates are to be performed", StringComparison.OrdinalIgnoreCase));
}
