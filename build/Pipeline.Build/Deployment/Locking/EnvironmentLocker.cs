using Pipeline.Build.Engine;

namespace Pipeline.Build.Deployment.Locking;

/// <summary>
/// Takes an environment's lock for one run, the way Terraform's S3 backend locks state: create the lock only if there is
/// none; if there is one, wait (with progress) up to a timeout for it to go, and take it over once its holder's lease has
/// expired or its holder is known to be gone from this machine. The lock is then renewed while the run lives
/// (<see cref="HeldEnvironmentLock"/>) and deleted when it ends. A run killed with <c>kill -9</c> stops renewing, so its
/// lock is taken over one lease later at most.
/// </summary>
public sealed class EnvironmentLocker(IEnvironmentLockStore store, IStepLog log)
{
    /// <summary>How long a lock stays valid without renewal. Long enough to survive a slow network; short enough that a killed run's lock frees itself soon.</summary>
    public static readonly TimeSpan DefaultLease = TimeSpan.FromMinutes(2);

    /// <summary>Override of the lease, in seconds, for tests and benchmarks that kill runs on purpose.</summary>
    public const string LeaseVariable = "PIPELINE_LOCK_LEASE_SECONDS";

    public TimeSpan Lease { get; init; } = DefaultLease;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a waiting run says it is still waiting.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(15);

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The lease from <see cref="LeaseVariable"/>, else <see cref="DefaultLease"/>.</summary>
    public static TimeSpan LeaseFromEnvironment() =>
        int.TryParse(System.Environment.GetEnvironmentVariable(LeaseVariable), out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : DefaultLease;

    /// <param name="holder">This run; its <see cref="LockHolder.LeaseUntil"/> is set here.</param>
    /// <param name="timeout">How long to wait for another holder; zero fails at once.</param>
    /// <param name="unlockCommand">The command that breaks the lock, for the message when the wait ends.</param>
    public async Task<HeldEnvironmentLock> AcquireAsync(LockHolder holder, TimeSpan timeout, string unlockCommand, CancellationToken cancellation)
    {
        var lastProgress = TimeSpan.Zero;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var poll = new Poll($"The lock of environment {holder.Environment}", timeout, PollInterval)
        {
            Continues = "this run stops without changing anything",
            Command = unlockCommand,
        };
        try
        {
            var attempt = await poll.UntilAsync(
                async (_, ct) => await TryTakeAsync(holder, ct),
                attempt => attempt.Version is not null,
                attempt => $"held by {attempt.Blocker?.Describe() ?? "an unreadable lock"}",
                cancellation,
                announce: attempt => log.Info($"environment {holder.Environment} is locked: {Describe(attempt.Blocker)}; " +
                                              $"waiting up to {Poll.Format(timeout)} for it ({store.Location})"),
                beforeEachWait: (attempt, _) =>
                {
                    if (waited.Elapsed - lastProgress < ProgressInterval)
                        return;
                    lastProgress = waited.Elapsed;
                    log.Info($"still waiting for the lock of {holder.Environment} ({Poll.Format(waited.Elapsed)} of {Poll.Format(timeout)}): {Describe(attempt.Blocker)}");
                });
            var held = attempt.Holder!;
            log.Info(attempt.TookOverFrom is { } previous
                ? $"environment lock: taken over from {Describe(previous)}, which {(previous.LeaseExpired(Clock.GetUtcNow()) ? "stopped renewing it" : "is no longer running on this machine")} ({store.Location})"
                : $"environment lock: held by this run ({store.Location})");
            return new HeldEnvironmentLock(store, held, attempt.Version!, Lease, Clock, log);
        }
        catch (PollTimeoutException)
        {
            var current = await store.ReadAsync(CancellationToken.None);
            throw new PipelineException(
                $"Environment {holder.Environment} is locked by {Describe(current?.Holder)} ({store.Location}); " +
                (timeout == TimeSpan.Zero ? "this run does not wait (--lock-timeout 0, the default in CI and without a terminal)" : $"waited {Poll.Format(timeout)}") +
                ". Nothing was changed. Run again when it has finished, or wait for it with --lock-timeout 15m. " +
                (current?.Holder is { } h ? $"If that run is gone, its lease ends at {h.LeaseUntil:HH:mm:ss}Z and the next run takes the lock over; " : "") +
                $"to break the lock now: {unlockCommand}");
        }
    }

    string Describe(LockHolder? holder) =>
        holder is null ? "a lock that is not a holder record (written by hand, or cut short)"
        : $"{holder.Describe()}, lease until {holder.LeaseUntil:HH:mm:ss}Z";

    /// <summary>One try: create the lock, or take it over from a holder that is gone, or report who holds it.</summary>
    async Task<LockAttempt> TryTakeAsync(LockHolder holder, CancellationToken cancellation)
    {
        var ours = holder with { LeaseUntil = Clock.GetUtcNow() + Lease };
        LockRecord? current = null;
        // Released between the create and the read, or a conflicting write that S3 answered 409 and that did not stay: try again.
        for (var attempt = 0; attempt < 3 && current is null; attempt++)
        {
            if (await store.TryCreateAsync(ours, cancellation) is { } created)
                return new LockAttempt(ours, created, null, null);
            current = await store.ReadAsync(cancellation);
        }
        if (current is null)
            return new LockAttempt(null, null, null, null);
        if (current.Holder?.RunId == ours.RunId)
            // Our own create, answered as a conflict after a retry of a request that had succeeded.
            return new LockAttempt(current.Holder, current.Version, null, null);
        if (current.Holder is { } theirs && (theirs.LeaseExpired(Clock.GetUtcNow()) || RunningProcess.IsGoneFromThisMachine(theirs.Process))
            && await store.TryReplaceAsync(ours, current.Version, cancellation) is { } replaced)
            return new LockAttempt(ours, replaced, null, theirs);
        return new LockAttempt(null, null, current.Holder, null);
    }

    sealed record LockAttempt(LockHolder? Holder, string? Version, LockHolder? Blocker, LockHolder? TookOverFrom);
}

/// <summary>
/// An environment lock this run holds: renewed every quarter lease in the background, deleted on dispose. A renewal that
/// finds the lock changed (broken with Unlock, or taken over after a lease this run failed to renew) says so loudly: from
/// then on another run may change the environment too.
/// </summary>
public sealed class HeldEnvironmentLock : IAsyncDisposable
{
    readonly IEnvironmentLockStore store;
    readonly TimeSpan lease;
    readonly TimeProvider clock;
    readonly IStepLog log;
    readonly CancellationTokenSource stop = new();
    readonly Task renewing;
    string version;
    bool lost;

    internal HeldEnvironmentLock(IEnvironmentLockStore store, LockHolder holder, string version, TimeSpan lease, TimeProvider clock, IStepLog log)
    {
        this.store = store;
        this.version = version;
        this.lease = lease;
        this.clock = clock;
        this.log = log;
        Holder = holder;
        renewing = Task.Run(() => RenewAsync(stop.Token));
    }

    public LockHolder Holder { get; private set; }

    /// <summary>Called after each renewal, e.g. to mark the run's history record as still running.</summary>
    public Func<CancellationToken, Task>? OnRenewed { get; set; }

    async Task RenewAsync(CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested && !lost)
        {
            try
            {
                await Task.Delay(lease / 4, clock, cancellation);
                var renewed = Holder with { LeaseUntil = clock.GetUtcNow() + lease };
                if (await store.TryReplaceAsync(renewed, version, cancellation) is { } next)
                {
                    (Holder, version) = (renewed, next);
                    if (OnRenewed is { } onRenewed)
                        await onRenewed(cancellation);
                    continue;
                }
                lost = true;
                var now = await store.ReadAsync(cancellation);
                log.Warn($"environment lock of {Holder.Environment} LOST: it is now {(now?.Holder is { } other ? $"held by {other.Describe()}" : "gone")} " +
                         $"({store.Location}); another run may change the environment while this one finishes.");
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is PipelineException or HttpRequestException or IOException or Amazon.Runtime.AmazonServiceException)
            {
                // Tried again at the next quarter: the lease has three more before it expires.
                log.Warn($"environment lock: renewing the lease failed ({e.Message}); trying again in {Poll.Format(lease / 4)}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await renewing;
        stop.Dispose();
        if (lost)
            return;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            // A renewal stopped by the release may have been written without this run learning its version: the lock is
            // still this run's if it names this run.
            if (!await store.TryDeleteAsync(version, deadline.Token)
                && !(await store.ReadAsync(deadline.Token) is { Holder.RunId: var runId } current && runId == Holder.RunId
                     && await store.TryDeleteAsync(current.Version, deadline.Token)))
                log.Warn($"environment lock of {Holder.Environment}: it had changed, so it was left as it is ({store.Location})");
        }
        catch (Exception e) when (e is PipelineException or HttpRequestException or IOException or OperationCanceledException or Amazon.Runtime.AmazonServiceException)
        {
            log.Warn($"environment lock of {Holder.Environment}: releasing it failed ({e.Message}); it frees itself when its lease ends at {Holder.LeaseUntil:HH:mm:ss}Z ({store.Location})");
        }
    }
}
