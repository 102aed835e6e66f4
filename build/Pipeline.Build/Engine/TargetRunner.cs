using System.Diagnostics;

namespace Pipeline.Build.Engine;

/// <summary>
/// Runs a plan in order. After a failure, the remaining targets do not run unless they are
/// assured-after-failure (cleanup); every target ends with an outcome.
/// </summary>
internal sealed class TargetRunner(TextWriter output)
{
    /// <param name="cancelledBecause">Why the run was cancelled, e.g. "interrupted by Ctrl-C (SIGINT)", asked only once it was.</param>
    public async Task<IReadOnlyList<TargetOutcome>> RunAsync(IReadOnlyList<PlanEntry> plan, CancellationToken cancellation, Func<string>? cancelledBecause = null)
    {
        cancelledBecause ??= () => "cancelled";
        var outcomes = new List<TargetOutcome>();
        var failed = false;

        foreach (var entry in plan)
        {
            var target = entry.Target;
            if (entry.IsSkipped)
            {
                outcomes.Add(new(target.Name, TargetStatus.Skipped, TimeSpan.Zero, entry.SkipReason));
                output.WriteLine($"» {target.Name}: skipped because {entry.SkipReason}");
                continue;
            }
            if ((failed || cancellation.IsCancellationRequested) && !target.Definition.IsAssuredAfterFailure)
            {
                outcomes.Add(new(target.Name, TargetStatus.NotRun, TimeSpan.Zero, failed ? "an earlier target failed" : cancelledBecause()));
                continue;
            }
            var falseCondition = target.Definition.DynamicConditions.FirstOrDefault(c => !c.Evaluate());
            if (falseCondition is not null)
            {
                var reason = $"'{falseCondition.Expression}' is false";
                outcomes.Add(new(target.Name, TargetStatus.Skipped, TimeSpan.Zero, reason));
                output.WriteLine($"» {target.Name}: skipped because {reason}");
                continue;
            }

            output.WriteLine();
            output.WriteLine($"═══ {target.Name} ═══");
            var clock = Stopwatch.StartNew();
            try
            {
                foreach (var action in target.Definition.Actions)
                    await action();
                outcomes.Add(new(target.Name, TargetStatus.Succeeded, clock.Elapsed, null));
            }
            catch (Exception e) when (cancellation.IsCancellationRequested && IsCancellation(e))
            {
                var reason = cancelledBecause();
                outcomes.Add(new(target.Name, TargetStatus.Cancelled, clock.Elapsed, reason));
                output.WriteLine($"⊘ {target.Name} cancelled: {reason}");
            }
            catch (Exception e)
            {
                failed = true;
                var message = Describe(e);
                outcomes.Add(new(target.Name, TargetStatus.Failed, clock.Elapsed, FirstLine(message)));
                output.WriteLine($"✗ {target.Name} failed: {message}");
            }
        }
        return outcomes;
    }

    static bool IsCancellation(Exception e) => e switch
    {
        OperationCanceledException => true,
        AggregateException a => a.InnerExceptions.All(IsCancellation),
        _ => false,
    };

    static string Describe(Exception e) => e switch
    {
        PipelineException p => p.Message,
        AggregateException { InnerExceptions.Count: 1 } a => Describe(a.InnerException!),
        OperationCanceledException => "cancelled",
        // Not one of ours: keep the type and where it came from, the user will need both to report it.
        _ => $"{e.GetType().Name}: {e.Message}{Environment.NewLine}{e.StackTrace}",
    };

    static string FirstLine(string text)
    {
        var line = text.Split('\n')[0].Trim();
        return line.Length > 100 ? line[..97] + "..." : line;
    }
}

/// <summary>How one target of the plan ended, for the table at the end of a run.</summary>
internal sealed record TargetOutcome(string Target, TargetStatus Status, TimeSpan Duration, string? Note);

public enum TargetStatus
{
    Succeeded,
    Failed,
    Skipped,
    NotRun,

    /// <summary>Stopped by an interrupt (Ctrl-C, SIGTERM) while it ran.</summary>
    Cancelled,
}
