using Pipeline.Build.Aws.History;
using Pipeline.Build.Deployment;
using Pipeline.Build.Deployment.Locking;
using Pipeline.Build.Engine;

namespace Pipeline.Build;

/// <summary>
/// One writer per environment: Deploy (and promotion), Redeploy, Rollback, Destroy and Down hold the environment's lock for
/// the whole run (<see cref="EnvironmentLock"/>); read-only targets (Diff, History, Status, Verify, Logs) take none. Unlock
/// breaks a lock whose run is gone.
/// </summary>
public sealed partial class Build
{
    [Parameter("How long a run that changes the environment waits for another run's lock on it (default: 0 under CI and without a terminal, 10m at a terminal)")]
    public TimeSpan? LockTimeout { get; set; }

    static readonly TimeSpan LockTimeoutAtATerminal = TimeSpan.FromMinutes(10);

    TimeSpan EffectiveLockTimeout => LockTimeout ?? (ContinuousIntegration.IsOn || Console.IsInputRedirected ? TimeSpan.Zero : LockTimeoutAtATerminal);

    /// <summary>The lock this run holds, once taken (null on a dry run and for targets that take none).</summary>
    HeldEnvironmentLock? heldLock;

    RunGuard EnvironmentLock => new("the environment lock", AcquireEnvironmentLockAsync);

    Target Unlock => _ => _
        .Description("Break the environment's lock that a run left (killed, or on a machine that is gone): shows who holds it and asks for the environment's name unless --yes")
        .Executes(UnlockAsync);

    async Task<IAsyncDisposable> AcquireEnvironmentLockAsync(CancellationToken cancellation)
    {
        var place = await PlatformSteps().EnvironmentLockAsync(Log, cancellation);
        var now = DateTimeOffset.UtcNow;
        var holder = new LockHolder
        {
            RunId = Guid.NewGuid().ToString("N"),
            Environment = DeployEnvironment,
            Target = string.Join(" ", InvokedTargets),
            Who = place.Who,
            Host = System.Environment.MachineName,
            ProcessId = System.Environment.ProcessId,
            Process = RunningProcess.Current(),
            Commit = (await DeployHistoryRecorder.SourceAsync(RootDirectory, cancellation)).Commit,
            CiRun = ContinuousIntegration.RunUrl,
            Since = now,
            LeaseUntil = now,
        };
        heldLock = await new EnvironmentLocker(place.Store, Log) { Lease = EnvironmentLocker.LeaseFromEnvironment() }
            .AcquireAsync(holder, EffectiveLockTimeout, UnlockCommand, cancellation);
        try
        {
            await PlatformSteps().BeginRunAsync(heldLock, Log, cancellation);
        }
        catch
        {
            await heldLock.DisposeAsync();
            throw;
        }
        return heldLock;
    }

    /// <summary>The target whose run the deploy history records, if any.</summary>
    string? RecordedTarget =>
        new[] { nameof(Rollback), nameof(Redeploy), nameof(Deploy) }.FirstOrDefault(t => InvokedTargets.Contains(t, StringComparer.OrdinalIgnoreCase));

    async Task UnlockAsync()
    {
        var confirmation = EnvironmentConfirmation.FromConsole(DeployEnvironment, Yes, UnlockCommand, ConfirmedAction.Unlock(DeployEnvironment));
        if (!DryRun)
            confirmation.RequireSomeoneToConfirm();
        var store = (await PlatformSteps().EnvironmentLockAsync(Log, Cancellation)).Store;
        if (await store.ReadAsync(Cancellation) is not { } current)
        {
            Log.Info($"environment {DeployEnvironment} is not locked ({store.Location}); nothing to do");
            return;
        }
        if (current.Holder is { } holder)
        {
            var now = DateTimeOffset.UtcNow;
            Log.Info($"environment {DeployEnvironment} is locked by {holder.Describe()} ({store.Location})");
            Log.Info(holder.LeaseExpired(now)
                ? $"  its lease ended at {holder.LeaseUntil:HH:mm:ss}Z: that run stopped renewing it (killed, or its machine is gone); the next run would take it over anyway"
                : RunningProcess.IsGoneFromThisMachine(holder.Process)
                    ? $"  its process {holder.ProcessId} no longer runs on this machine; the next run would take it over anyway"
                    : $"  its lease runs until {holder.LeaseUntil:HH:mm:ss}Z and is renewed while that run lives: breaking it lets another run change the environment beside it");
        }
        else
            Log.Info($"environment {DeployEnvironment} is locked by something that is not a holder record ({store.Location})");
        if (DryRun)
        {
            Log.Info("Dry run: the lock was left as it is.");
            return;
        }
        await confirmation.ConfirmAsync(Cancellation);
        if (!await store.TryDeleteAsync(current.Version, Cancellation))
            throw new PipelineException($"The lock of {DeployEnvironment} changed while you were asked ({store.Location}): another run holds it now. Nothing was broken; run {UnlockCommand} again to see who.");
        Log.Info($"environment {DeployEnvironment}: lock broken; the next run takes it");
    }

    string UnlockCommand => CommandFor(nameof(Unlock));

    /// <summary>
    /// <paramref name="target"/> as the user would type it again for this environment: the profile, the environment when it
    /// differs from the profile's, and the service for the targets that take one.
    /// </summary>
    string CommandFor(string target)
    {
        var profileEnvironment = Profile is null
            ? Profiles.ReadDefaults()?.Values.GetValueOrDefault(nameof(DeployEnvironment)) is [var value] ? value : "local"
            : Profiles.ValueOf(Profile, nameof(DeployEnvironment));
        var takesService = target is nameof(Redeploy) or nameof(Rollback);
        return $"./build.sh {target}" + (Profile is null ? "" : $" --profile {Profile}") +
               (profileEnvironment == DeployEnvironment ? "" : $" --deploy-environment {DeployEnvironment}") +
               (takesService && Service != AllServices ? $" --service {Service}" : "");
    }
}
