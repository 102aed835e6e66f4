using System.Diagnostics;
using System.Globalization;

namespace Pipeline.Build.Engine;

/// <summary>
/// Waits for something outside the pipeline: observes it every <see cref="Interval"/> until it is done or <see cref="Deadline"/>
/// has passed. Every wait fails the same way at its deadline, with a <see cref="PollTimeoutException"/> reading
/// "&lt;Subject&gt; is still &lt;state&gt; after &lt;Deadline&gt;; &lt;Continues&gt;; run &lt;Command&gt; to see it[, then &lt;NextStep&gt;]."
/// </summary>
public sealed record Poll(string Subject, TimeSpan Deadline, TimeSpan Interval)
{
    /// <summary>What becomes of the awaited operation once the pipeline stops waiting, e.g. "the operation continues in AWS".</summary>
    public required string Continues { get; init; }

    /// <summary>A command that shows the awaited thing, e.g. "./build.sh Status --profile dev".</summary>
    public required string Command { get; init; }

    /// <summary>What to do after looking, e.g. "run the deploy again once it has finished".</summary>
    public string? NextStep { get; init; }

    /// <summary>When set, each wait doubles the interval up to this bound.</summary>
    public TimeSpan? MaxInterval { get; init; }

    /// <param name="observe">One look at the awaited thing; it may throw to fail at once on a state that cannot become done.</param>
    /// <param name="isDone">Whether an observation ends the wait.</param>
    /// <param name="state">The state an observation shows, for the timeout message: "busy (UPDATE_IN_PROGRESS)".</param>
    /// <param name="announce">Called once, when the first observation shows that the pipeline has to wait.</param>
    /// <param name="beforeEachWait">Called before every wait with the last observation and the length of the wait.</param>
    /// <returns>The observation that is done.</returns>
    public async Task<T> UntilAsync<T>(
        Func<PollAttempt, CancellationToken, Task<T>> observe,
        Func<T, bool> isDone,
        Func<T, string> state,
        CancellationToken cancellationToken,
        Action<T>? announce = null,
        Action<T, TimeSpan>? beforeEachWait = null)
    {
        var clock = Stopwatch.StartNew();
        var interval = Interval;
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var observed = await observe(new PollAttempt(attempt, Remaining(clock)), cancellationToken);
            if (isDone(observed))
                return observed;
            var remaining = Remaining(clock);
            if (remaining == TimeSpan.Zero)
                throw new PollTimeoutException(TimeoutMessage(state(observed)));
            if (attempt == 1)
                announce?.Invoke(observed);
            // The last wait is cut short so the final look happens at the deadline, not an interval after it.
            var wait = interval < remaining ? interval : remaining;
            beforeEachWait?.Invoke(observed, wait);
            await Task.Delay(wait, cancellationToken);
            if (MaxInterval is { } maxInterval)
                interval = interval * 2 < maxInterval ? interval * 2 : maxInterval;
        }
    }

    public string TimeoutMessage(string lastState) =>
        $"{Subject} is still {lastState} after {Format(Deadline)}; {Continues}; run {Command} to see it" +
        (NextStep is null ? "." : $", then {NextStep}.");

    /// <summary>The one way the pipeline writes a wait's length: "30 min", "90 s", "0.2 s".</summary>
    public static string Format(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.Ticks % TimeSpan.TicksPerMinute == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0} min")
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#} s");

    TimeSpan Remaining(Stopwatch clock) => Deadline > clock.Elapsed ? Deadline - clock.Elapsed : TimeSpan.Zero;
}

/// <summary>Which look this is (1 for the first) and how much of the deadline is left for it.</summary>
public readonly record struct PollAttempt(int Number, TimeSpan Remaining);

/// <summary>A wait that reached its deadline; callers that clean up after a timeout catch this one alone.</summary>
public sealed class PollTimeoutException(string message) : PipelineException(message);
