using System.Runtime.CompilerServices;

namespace Pipeline.Build.Engine;

/// <summary>The fluent surface a target property uses to say what it is, what it needs and what it does.</summary>
public interface ITargetDefinition
{
    ITargetDefinition Description(string description);

    /// <summary>These targets run first, and are pulled into the plan.</summary>
    ITargetDefinition DependsOn(params Target[] targets);

    /// <summary>Ordering only: if both are in the plan, this runs after those.</summary>
    ITargetDefinition After(params Target[] targets);

    /// <summary>Ordering only: if both are in the plan, this runs before those.</summary>
    ITargetDefinition Before(params Target[] targets);

    /// <summary>When this target is in the plan, those are too, and run after it.</summary>
    ITargetDefinition Triggers(params Target[] targets);

    /// <summary>Evaluated while planning; a false condition skips the target (its dependencies still run).</summary>
    ITargetDefinition OnlyWhenStatic(Func<bool> condition, [CallerArgumentExpression(nameof(condition))] string expression = "");

    /// <summary>Evaluated just before the target would run, after its dependencies.</summary>
    ITargetDefinition OnlyWhenDynamic(Func<bool> condition, [CallerArgumentExpression(nameof(condition))] string expression = "");

    /// <summary>The parameter must have a value; checked for the whole plan before anything runs.</summary>
    ITargetDefinition Requires(Func<object?> parameter, [CallerArgumentExpression(nameof(parameter))] string expression = "");

    /// <summary>
    /// What the invocation must satisfy for this target to run at all, e.g. an AWS profile; checked for the whole plan
    /// before anything runs, like <see cref="Requires(Func{object?}, string)"/>.
    /// </summary>
    ITargetDefinition Requires(Precondition precondition);

    /// <summary>
    /// While this target is in the plan, <paramref name="guard"/> is held from before the first target runs until the run has
    /// finished (after <see cref="PipelineBuild.OnFinishedAsync"/>): e.g. the environment's lock, so that two runs that change
    /// one environment never interleave. A dry run holds nothing.
    /// </summary>
    ITargetDefinition HoldsForTheRun(RunGuard guard);

    /// <summary>Hidden from <c>--help</c>.</summary>
    ITargetDefinition Unlisted();

    /// <summary>Runs even when an earlier target failed (cleanup).</summary>
    ITargetDefinition AssuredAfterFailure();

    ITargetDefinition Executes(Action action);

    ITargetDefinition Executes(Func<Task> action);
}

/// <summary>A condition a target needs from the invocation, and what to tell the user when it does not hold.</summary>
/// <param name="Explain">Given the target's name, says what is missing and the command that runs it.</param>
public sealed record Precondition(Func<bool> IsMet, Func<string, string> Explain);

/// <summary>
/// Something a run holds while it runs, taken once however many of its targets name it (<see cref="ITargetDefinition.HoldsForTheRun"/>).
/// <paramref name="AcquireAsync"/> waits or throws a <see cref="PipelineException"/> that names who holds it; disposing the
/// result releases it.
/// </summary>
public sealed record RunGuard(string Name, Func<CancellationToken, Task<IAsyncDisposable>> AcquireAsync)
{
    /// <summary>
    /// This guard, except when <paramref name="notNeeded"/>, asked just before the guard would be taken, says the run will
    /// not touch what it protects: then nothing is taken, so the run neither waits for nor blocks another holder.
    /// </summary>
    public RunGuard Unless(Func<CancellationToken, Task<bool>> notNeeded)
    {
        var acquire = AcquireAsync;
        return this with { AcquireAsync = async ct => await notNeeded(ct) ? NothingHeld.Instance : await acquire(ct) };
    }

    sealed class NothingHeld : IAsyncDisposable
    {
        public static readonly NothingHeld Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
