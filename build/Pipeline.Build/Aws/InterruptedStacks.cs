using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws;

/// <summary>
/// What an interrupt leaves, stack by stack, printed on every interrupt of a run that deploys stacks: done (and how),
/// untouched, or in flight in CloudFormation, with its state and the command to follow it. CloudFormation goes on with an
/// update it has started whatever happens to the pipeline; the next run of the same command waits for it and goes on.
/// </summary>
public static class InterruptedStacks
{
    public static async Task ReportAsync(CloudFormationClient cloudFormation, IReadOnlyList<string> stackNames, StackActivity activity, string rerun,
        IStepLog log, CancellationToken ct)
    {
        var live = await cloudFormation.DescribeAllStacksAsync(ct);
        var rows = stackNames.Select(name =>
        {
            var stack = live.GetValueOrDefault(name);
            if (activity.ResultOf(name) is { } result)
                return (name, $"done: {result}", "");
            if (!activity.WasStarted(name))
                return (name, "untouched", stack is null ? "does not exist" : $"as it was ({stack.Status})");
            return stack is { IsInProgress: true }
                ? (name, $"in flight: {stack.Status}", $"follow: aws cloudformation describe-stack-events --stack-name {name}")
                : (name, $"stopped: {stack?.Status ?? "does not exist"}", "nothing runs on it now; the next run checks it again");
        }).ToList();
        log.Info("Stacks when the run was interrupted:");
        foreach (var line in WorkGraphTable.Lines(rows, row => (row.Item1, row.Item2, null, row.Item3)))
            log.Info("  " + line);
        log.Info(rows.Any(r => r.Item2.StartsWith("in flight", StringComparison.Ordinal))
            ? $"CloudFormation finishes what is in flight on its own; {rerun} waits for it and goes on from there."
            : $"Nothing is in flight; {rerun} goes on from here.");
    }
}
