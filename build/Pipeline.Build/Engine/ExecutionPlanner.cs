namespace Pipeline.Build.Engine;

/// <summary>
/// Turns the invoked targets into an ordered plan: the closure over DependsOn and Triggers, ordered
/// topologically over DependsOn / After / Before / Triggers, ties broken by declaration order.
/// </summary>
internal static class ExecutionPlanner
{
    public static IReadOnlyList<PlanEntry> Plan(
        IReadOnlyList<ExecutableTarget> invoked,
        SkipRequest skip)
    {
        var reasons = CollectWithReasons(invoked);
        var included = reasons.Keys.ToHashSet();
        var ordered = Order(included);

        return ordered
            .Select(t => new PlanEntry(t, reasons[t], SkipReasonOf(t, invoked, skip)))
            .ToList();
    }

    static Dictionary<ExecutableTarget, string> CollectWithReasons(IReadOnlyList<ExecutableTarget> invoked)
    {
        var reasons = new Dictionary<ExecutableTarget, string>();
        var queue = new Queue<ExecutableTarget>();
        foreach (var target in invoked)
            if (reasons.TryAdd(target, "invoked"))
                queue.Enqueue(target);

        while (queue.TryDequeue(out var current))
        {
            foreach (var dependency in current.Dependencies)
                if (reasons.TryAdd(dependency, $"dependency of {current.Name}"))
                    queue.Enqueue(dependency);
            foreach (var triggered in current.Triggered)
                if (reasons.TryAdd(triggered, $"triggered by {current.Name}"))
                    queue.Enqueue(triggered);
        }
        return reasons;
    }

    static List<ExecutableTarget> Order(HashSet<ExecutableTarget> included)
    {
        // predecessors[t] = targets that must run before t
        var predecessors = included.ToDictionary(t => t, _ => new HashSet<ExecutableTarget>());
        void Edge(ExecutableTarget first, ExecutableTarget then)
        {
            if (included.Contains(first) && included.Contains(then))
                predecessors[then].Add(first);
        }
        foreach (var t in included)
        {
            foreach (var d in t.Dependencies) Edge(d, t);
            foreach (var a in t.RunsAfter) Edge(a, t);
            foreach (var b in t.RunsBefore) Edge(t, b);
            foreach (var tr in t.Triggered) Edge(t, tr);
        }

        var remaining = predecessors.ToDictionary(p => p.Key, p => new HashSet<ExecutableTarget>(p.Value));
        var ordered = new List<ExecutableTarget>();
        while (remaining.Count > 0)
        {
            var next = remaining
                .Where(p => p.Value.Count == 0)
                .Select(p => p.Key)
                .OrderBy(t => t.DeclarationIndex)
                .FirstOrDefault()
                ?? throw new PipelineException($"Targets depend on each other in a cycle (each must run before the next): {DescribeCycle(remaining)}. Remove one of these relations.");
            ordered.Add(next);
            remaining.Remove(next);
            foreach (var waiting in remaining.Values) waiting.Remove(next);
        }
        return ordered;
    }

    static string DescribeCycle(Dictionary<ExecutableTarget, HashSet<ExecutableTarget>> remaining)
    {
        // Walk predecessor links from any blocked target until one repeats: that loop is the cycle.
        var path = new List<ExecutableTarget>();
        var current = remaining.Keys.OrderBy(t => t.DeclarationIndex).First();
        while (!path.Contains(current))
        {
            path.Add(current);
            current = remaining[current].OrderBy(t => t.DeclarationIndex).First();
        }
        var cycle = path.Skip(path.IndexOf(current)).Reverse().ToList();
        // Start at the earliest declared member so the message is stable: "A -> B -> C -> A".
        var start = cycle.IndexOf(cycle.MinBy(t => t.DeclarationIndex)!);
        cycle = [.. cycle.Skip(start), .. cycle.Take(start)];
        cycle.Add(cycle[0]);
        return string.Join(" -> ", cycle.Select(t => t.Name));
    }

    static string? SkipReasonOf(ExecutableTarget target, IReadOnlyList<ExecutableTarget> invoked, SkipRequest skip)
    {
        if (skip.SkipsAllButInvoked && !invoked.Contains(target))
            return "--skip (all but the invoked targets)";
        if (skip.Targets.Contains(target))
            return "--skip " + target.Name;
        foreach (var condition in target.Definition.StaticConditions)
            if (!condition.Evaluate())
                return $"'{condition.Expression}' is false";
        return null;
    }
}

/// <summary>What <c>--skip</c> asked for: nothing, everything not invoked, or named targets.</summary>
internal sealed record SkipRequest(bool SkipsAllButInvoked, IReadOnlyCollection<ExecutableTarget> Targets)
{
    public static SkipRequest None { get; } = new(false, []);
}

/// <summary>One target in an execution plan, with why it is there and, if so, why it will not run.</summary>
internal sealed record PlanEntry(ExecutableTarget Target, string Reason, string? SkipReason)
{
    public bool IsSkipped => SkipReason is not null;
}
