using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.History;

/// <summary>
/// The history record of a run under way: written as <see cref="Outcomes.Running"/> when the run starts, its lease renewed
/// with the environment lock's, and completed once, with how the run ended. A run killed with <c>kill -9</c> never completes
/// it, so History shows it as abandoned, with who ran it and when it started. Renewal and completion are serialized: a late
/// renewal never turns a completed record back into a running one.
/// </summary>
public sealed class RunningHistoryRecord(DeployHistory history, DeployHistoryRecord started)
{
    readonly SemaphoreSlim writing = new(1, 1);

    public DeployHistoryRecord Started => started;

    public bool IsCompleted { get; private set; }

    public async Task RenewAsync(DateTimeOffset leaseUntil, IStepLog log, CancellationToken cancellation) =>
        await WriteOnceOpenAsync(started with { LeaseUntil = leaseUntil }, complete: false, log, cancellation);

    /// <summary>Writes <paramref name="final"/> in place of the running record; returns its URL, or null when it was completed already.</summary>
    public async Task<string?> CompleteAsync(DeployHistoryRecord final, IStepLog log, CancellationToken cancellation) =>
        await WriteOnceOpenAsync(final with { Id = started.Id, Started = started.Started, LeaseUntil = null }, complete: true, log, cancellation);

    /// <summary>Completes the record with only how the run ended, when its target did not (it stopped before its own record).</summary>
    public Task<string?> CompleteAsync(string outcome, TimeSpan duration, DateTimeOffset now, IStepLog log, CancellationToken cancellation) =>
        CompleteAsync(started with { Outcome = outcome, Time = now, DurationSeconds = Math.Round(duration.TotalSeconds, 1, MidpointRounding.AwayFromZero) },
            log, cancellation);

    async Task<string?> WriteOnceOpenAsync(DeployHistoryRecord record, bool complete, IStepLog log, CancellationToken cancellation)
    {
        await writing.WaitAsync(cancellation);
        try
        {
            if (IsCompleted)
                return null;
            var url = await history.WriteAsync(record, log, cancellation);
            IsCompleted = complete;
            return url;
        }
        finally
        {
            writing.Release();
        }
    }
}
