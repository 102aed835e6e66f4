namespace Pipeline.Build.Engine;

/// <summary>What a target property declared, collected by invoking the property once.</summary>
internal sealed class TargetDefinition : ITargetDefinition
{
    public string? DescriptionText { get; private set; }
    public List<Target> Dependencies { get; } = [];
    public List<Target> RunsAfter { get; } = [];
    public List<Target> RunsBefore { get; } = [];
    public List<Target> Triggered { get; } = [];
    public List<Condition> StaticConditions { get; } = [];
    public List<Condition> DynamicConditions { get; } = [];
    public List<Requirement> Requirements { get; } = [];
    public List<Precondition> Preconditions { get; } = [];
    public List<RunGuard> Guards { get; } = [];
    public bool IsUnlisted { get; private set; }
    public bool IsAssuredAfterFailure { get; private set; }
    public List<Func<Task>> Actions { get; } = [];

    public ITargetDefinition Description(string description) { DescriptionText = description; return this; }
    public ITargetDefinition DependsOn(params Target[] targets) { Dependencies.AddRange(targets); return this; }
    public ITargetDefinition After(params Target[] targets) { RunsAfter.AddRange(targets); return this; }
    public ITargetDefinition Before(params Target[] targets) { RunsBefore.AddRange(targets); return this; }
    public ITargetDefinition Triggers(params Target[] targets) { Triggered.AddRange(targets); return this; }

    public ITargetDefinition OnlyWhenStatic(Func<bool> condition, string expression = "")
    { StaticConditions.Add(new Condition(condition, Condition.Clean(expression))); return this; }

    public ITargetDefinition OnlyWhenDynamic(Func<bool> condition, string expression = "")
    { DynamicConditions.Add(new Condition(condition, Condition.Clean(expression))); return this; }

    public ITargetDefinition Requires(Func<object?> parameter, string expression = "")
    { Requirements.Add(new Requirement(parameter, Condition.Clean(expression))); return this; }

    public ITargetDefinition Requires(Precondition precondition) { Preconditions.Add(precondition); return this; }

    public ITargetDefinition HoldsForTheRun(RunGuard guard) { Guards.Add(guard); return this; }

    public ITargetDefinition Unlisted() { IsUnlisted = true; return this; }
    public ITargetDefinition AssuredAfterFailure() { IsAssuredAfterFailure = true; return this; }

    public ITargetDefinition Executes(Action action)
    { Actions.Add(() => { action(); return Task.CompletedTask; }); return this; }

    public ITargetDefinition Executes(Func<Task> action) { Actions.Add(action); return this; }
}

/// <summary>A condition with its own source text, so a skip can say exactly why.</summary>
internal sealed record Condition(Func<bool> Evaluate, string Expression)
{
    /// <summary><c>() => !DryRun</c> reads better as <c>!DryRun</c>.</summary>
    public static string Clean(string expression)
    {
        var text = expression.Trim();
        if (text.StartsWith("()", StringComparison.Ordinal))
        {
            var arrow = text.IndexOf("=>", StringComparison.Ordinal);
            if (arrow >= 0) text = text[(arrow + 2)..].Trim();
        }
        return string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }
}

/// <summary>A parameter a target cannot run without.</summary>
internal sealed record Requirement(Func<object?> Value, string Expression);
