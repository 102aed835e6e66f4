using System.Runtime.ExceptionServices;

namespace Pipeline.Build.Engine;

/// <summary>One unit of a <see cref="WorkGraph{TItem,TResult}"/>: its key, the keys of the units that must succeed before it starts, and what it works on.</summary>
public sealed record WorkUnit<TItem>(string Key, IReadOnlyList<string> DependsOn, TItem Item);

/// <summary>Why a unit of a <see cref="WorkGraph{TItem,TResult}"/> was not started.</summary>
public enum NotStartedCause
{
    /// <summary>A unit it depends on did not succeed: it failed, or was not started itself.</summary>
    DependencyDidNotSucceed,

    /// <summary>Another unit failed first; after a failure no new unit starts.</summary>
    AnotherFailedFirst,

    /// <summary>The run was cancelled before it started.</summary>
    Interrupted,
}

/// <summary>What a dependency on a key that is none of the units' means: nothing (<see cref="Ignored"/>) or a bug (<see cref="AreABug"/>).</summary>
public sealed class UnknownDependencies
{
    UnknownDependencies(Func<string, string, string>? bugMessage) => BugMessage = bugMessage;

    internal Func<string, string, string>? BugMessage { get; }

    /// <summary>Left out: the key names something outside this run (gone already, say).</summary>
    public static UnknownDependencies Ignored { get; } = new(null);

    /// <summary>A bug in whoever made the units: running throws, before anything starts, a PipelineException with the message made from the unit's key and the unknown key.</summary>
    public static UnknownDependencies AreABug(Func<string, string, string> message) => new(message);
}

/// <summary>
/// Runs units of work, each once every unit it depends on has succeeded, at most <c>maxParallel</c> at a time; among ready
/// units the one declared first starts first. A failure (a result that is no success, or an action that throws) stops new
/// starts, and so does cancellation, also of units waiting for a slot; units already running are awaited either way. A unit
/// that does not start gets the result <c>notStarted</c> makes for it. Modelled on the AWS CDK CLI's work graph, much reduced.
/// </summary>
/// <param name="succeeded">Whether a unit's own result lets its dependents start; one that does not is a failure.</param>
/// <param name="notStarted">The result of a unit that did not start, from its item, why, and (for
/// <see cref="NotStartedCause.DependencyDidNotSucceed"/>) the item of the first dependency that did not succeed.</param>
public sealed class WorkGraph<TItem, TResult>(
    int maxParallel,
    UnknownDependencies unknownDependencies,
    Func<TResult, bool> succeeded,
    Func<TItem, NotStartedCause, TItem?, TResult> notStarted)
{
    /// <param name="run">A unit's action, given the results of its dependencies in the order it lists them.</param>
    /// <returns>One result per unit, in the order of <paramref name="units"/>; an action's exception is rethrown once no unit runs.</returns>
    public async Task<IReadOnlyList<TResult>> RunAsync(
        IReadOnlyList<WorkUnit<TItem>> units, Func<TItem, IReadOnlyList<TResult>, CancellationToken, Task<TResult>> run, CancellationToken ct)
    {
        var index = units.Select((unit, i) => (unit.Key, i)).ToDictionary(u => u.Key, u => u.i, StringComparer.Ordinal);
        var dependsOn = new int[units.Count][];
        for (var i = 0; i < units.Count; i++)
        {
            if (unknownDependencies.BugMessage is { } bug && units[i].DependsOn.FirstOrDefault(d => !index.ContainsKey(d)) is { } unknown)
                throw new PipelineException(bug(units[i].Key, unknown));
            dependsOn[i] = [.. units[i].DependsOn.Where(index.ContainsKey).Select(d => index[d])];
        }
        ThrowOnCycle(units, dependsOn);

        var results = new TResult[units.Count];
        var settled = new bool[units.Count];
        var ok = new bool[units.Count];
        var waiting = Enumerable.Range(0, units.Count).ToList();
        var running = new Dictionary<Task<TResult>, int>();
        var interrupted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = ct.Register(() => interrupted.TrySetResult());
        var failed = false;
        ExceptionDispatchInfo? error = null;

        void Settle(int i, TResult result)
        {
            (results[i], settled[i]) = (result, true);
            waiting.Remove(i);
        }
        async Task<TResult> StartAsync(int i) => await run(units[i].Item, [.. dependsOn[i].Select(d => results[d])], ct);

        while (true)
        {
            // In declaration order: a ready unit starts while a slot is free; one that never can start is settled now.
            foreach (var i in waiting.ToList())
            {
                if (ct.IsCancellationRequested)
                    Settle(i, notStarted(units[i].Item, NotStartedCause.Interrupted, default));
                else if (!dependsOn[i].All(d => settled[d]))
                    continue;
                else if (dependsOn[i].FirstOrDefault(d => !ok[d], -1) is var blocking and >= 0)
                    Settle(i, notStarted(units[i].Item, NotStartedCause.DependencyDidNotSucceed, units[blocking].Item));
                else if (failed)
                    Settle(i, notStarted(units[i].Item, NotStartedCause.AnotherFailedFirst, default));
                else if (running.Count < Math.Max(1, maxParallel))
                {
                    waiting.Remove(i);
                    running.Add(StartAsync(i), i);
                }
            }
            if (running.Count == 0)
                break;

            // Waiting for a slot or a dependency ends with the next unit to finish, or with cancellation.
            var next = await Task.WhenAny(waiting.Count > 0 ? running.Keys.Append<Task>(interrupted.Task) : running.Keys);
            if (next == interrupted.Task || !running.Remove((Task<TResult>)next, out var done))
                continue;
            try
            {
                Settle(done, await (Task<TResult>)next);
                ok[done] = succeeded(results[done]);
            }
            catch (Exception e)
            {
                error ??= ExceptionDispatchInfo.Capture(e);
                Settle(done, default!);
            }
            failed |= !ok[done];
        }
        error?.Throw();
        return results;
    }

    static void ThrowOnCycle(IReadOnlyList<WorkUnit<TItem>> units, int[][] dependsOn)
    {
        var ordered = new bool[units.Count];
        for (var progress = true; progress;)
        {
            progress = false;
            for (var i = 0; i < units.Count; i++)
                if (!ordered[i] && dependsOn[i].All(d => ordered[d]))
                    ordered[i] = progress = true;
        }
        var at = Array.IndexOf(ordered, false);
        if (at < 0)
            return;

        // Every unit left waits for another one left: follow those until one repeats, and that loop is the cycle.
        var path = new List<int>();
        while (!path.Contains(at))
        {
            path.Add(at);
            at = dependsOn[at].First(d => !ordered[d]);
        }
        int[] cycle = [.. path.Skip(path.IndexOf(at))];
        var first = Array.IndexOf(cycle, cycle.Min());
        cycle = [.. cycle[first..], .. cycle[..first], cycle[first]];
        throw new PipelineException($"Units depend on each other in a cycle (each waits for the next): {string.Join(" -> ", cycle.Select(i => units[i].Key))}. " +
                                    "None of them can start; remove one of these dependencies.");
    }
}

/// <summary>The closing table of a run of stacks (a deploy, a destroy): Stack, Result, Duration, Note.</summary>
public static class WorkGraphTable
{
    /// <param name="row">A result's stack, result, duration (null: left blank, the stack did no work) and note; only the note's
    /// first line is shown, cut to 100 characters: the full reason is where the failure is logged or thrown.</param>
    public static IReadOnlyList<string> Lines<TResult>(IEnumerable<TResult> results, Func<TResult, (string Stack, string Result, TimeSpan? Duration, string Note)> row)
    {
        var table = new TextTable("Stack", "Result", "Duration", "Note");
        foreach (var (stack, result, duration, note) in results.Select(row))
        {
            var line = note.Split('\n')[0];
            table.Add(stack, result, duration is { } d ? $"{d.TotalSeconds:0.0}s" : "", line.Length > 100 ? line[..97] + "..." : line);
        }
        return table.ToLines(indent: "");
    }
}
