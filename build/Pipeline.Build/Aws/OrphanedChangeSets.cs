using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws;

/// <summary>
/// What a run killed between CreateChangeSet and ExecuteChangeSet leaves on the environment's stacks: a change set of the
/// pipeline's (<see cref="ChangeSetNames"/>) that was never executed, and, for a stack it was creating, the empty stack in
/// REVIEW_IN_PROGRESS. A Ctrl-C removes them itself; <c>kill -9</c> gives it no chance. The next run that changes the
/// environment holds its lock, so no other run of the pipeline is making change sets there: it removes them before it
/// starts. Only the pipeline's own change sets on this environment's stacks are touched; a dry run's (which holds no lock)
/// only once it is an hour old.
/// </summary>
public sealed class OrphanedChangeSets(CloudFormationClient cloudFormation, string environment)
{
    /// <summary>Unexecuted: made and never run (<c>AVAILABLE</c>), failed to be made (<c>UNAVAILABLE</c>), or superseded (<c>OBSOLETE</c>).</summary>
    static readonly HashSet<string> Unexecuted = ["AVAILABLE", "UNAVAILABLE", "OBSOLETE"];

    static readonly TimeSpan PreviewAge = TimeSpan.FromHours(1);

    /// <returns>How many change sets (and empty stacks) were removed.</returns>
    public async Task<int> RemoveAsync(IStepLog log, CancellationToken ct)
    {
        var prefix = DeploymentNames.ServiceStack(environment, "");
        var removed = 0;
        var stacks = await cloudFormation.DescribeAllStacksAsync(ct);
        foreach (var (name, stack) in stacks.Where(s => s.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var changeSets = await cloudFormation.ListChangeSetsAsync(name, ct);
            var orphans = changeSets.Where(c => ChangeSetNames.IsPipelines(c.Name) && Unexecuted.Contains(c.ExecutionStatus)
                                                && (!ChangeSetNames.IsPreview(c.Name) || c.CreationTime < DateTimeOffset.UtcNow - PreviewAge)).ToList();
            foreach (var orphan in orphans)
            {
                await cloudFormation.DeleteChangeSetAsync(name, orphan.Name, ct);
                log.Info($"stack {name}: removed change set {orphan.Name} ({orphan.ExecutionStatus}), made by an earlier run that stopped before executing it");
                removed++;
            }
            // A CREATE change set made the stack; with its change sets gone, nothing of it is real.
            if (stack.Status == "REVIEW_IN_PROGRESS" && changeSets.Count == orphans.Count)
            {
                await cloudFormation.DeleteStackAsync(name, ct);
                log.Info($"stack {name}: removed the empty stack (REVIEW_IN_PROGRESS) that the same run was creating");
                removed++;
            }
        }
        return removed;
    }
}
