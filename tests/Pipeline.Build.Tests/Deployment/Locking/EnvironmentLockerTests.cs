using System.Diagnostics;
using Pipeline.Build.Deployment.Locking;
using Pipeline.Build.Engine;
using Pipeline.Build.Local;
using Pipeline.Build.Tests.Images;

namespace Pipeline.Build.Tests.Deployment.Locking;

/// <summary>The environment lock's rules, on the local lock file: one holder, waiting, takeover of a gone holder, renewal, release.</summary>
public sealed class EnvironmentLockerTests : IDisposable
{
    readonly string directory = Directory.CreateTempSubdirectory("pipeline-lock-").FullName;
    readonly RecordingStepLog log = new();

    LocalEnvironmentLockStore Store => new(directory);

    EnvironmentLocker Locker(TimeSpan? lease = null) => new(Store, log)
    {
        Lease = lease ?? TimeSpan.FromMinutes(2),
        PollInterval = TimeSpan.FromMilliseconds(50),
    };

    static LockHolder Holder(string who = "alice", string? process = null) => new()
    {
        RunId = Guid.NewGuid().ToString("N"),
        Environment = "dev",
        Target = "Deploy",
        Who = who,
        Host = "laptop",
        ProcessId = Environment.ProcessId,
        Process = process ?? RunningProcess.Current(),
        Commit = "3f2a1b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a",
        Since = DateTimeOffset.UtcNow,
        LeaseUntil = DateTimeOffset.UtcNow,
    };

    const string Unlock = "./build.sh Unlock --profile dev";

    [Fact]
    public async Task A_second_run_that_does_not_wait_fails_naming_the_holder_and_the_way_out()
    {
        await using var first = await Locker().AcquireAsync(Holder("alice"), TimeSpan.Zero, Unlock, default);

        var second = () => Locker().AcquireAsync(Holder("bob"), TimeSpan.Zero, Unlock, default);

        var refused = (await second.Should().ThrowAsync<PipelineException>()).Which.Message;
        refused.Should().Contain("Environment dev is locked by Deploy by alice on laptop").And.Contain($"pid {Environment.ProcessId}")
            .And.Contain("commit 3f2a1b9c").And.Contain("Nothing was changed").And.Contain(Unlock).And.Contain(Store.Path);
        (await Store.ReadAsync(default))!.Holder!.Who.Should().Be("alice");
    }

    [Fact]
    public async Task A_waiting_run_takes_the_lock_once_the_holder_releases_it()
    {
        var first = await Locker().AcquireAsync(Holder("alice"), TimeSpan.Zero, Unlock, default);
        var waiting = Locker().AcquireAsync(Holder("bob"), TimeSpan.FromSeconds(30), Unlock, default);
        await Task.Delay(200);
        waiting.IsCompleted.Should().BeFalse();

        await first.DisposeAsync();
        await using var second = await waiting;

        second.Holder.Who.Should().Be("bob");
        log.Lines.Should().Contain(l => l.Contains("environment dev is locked: Deploy by alice") && l.Contains("waiting up to 30"));
    }

    [Fact]
    public async Task A_lock_whose_lease_expired_is_taken_over()
    {
        // The holder stopped renewing (killed on another machine): its lease is in the past.
        var stale = Holder("alice", process: "another-machine/pid:[1]/4242/1") with { LeaseUntil = DateTimeOffset.UtcNow.AddSeconds(-1) };
        (await Store.TryCreateAsync(stale, default)).Should().NotBeNull();

        await using var taken = await Locker().AcquireAsync(Holder("bob"), TimeSpan.Zero, Unlock, default);

        taken.Holder.Who.Should().Be("bob");
        log.Lines.Should().Contain(l => l.Contains("taken over from Deploy by alice") && l.Contains("stopped renewing it"));
    }

    [Fact]
    public async Task A_lock_whose_process_is_gone_from_this_machine_is_taken_over_before_its_lease_ends()
    {
        using var sleeper = Process.Start("sleep", "30");
        var identity = RunningProcess.IdentityOf(sleeper.Id);
        identity.Should().NotBeNull();
        sleeper.Kill();
        await sleeper.WaitForExitAsync();
        (await Store.TryCreateAsync(Holder("alice", identity) with { LeaseUntil = DateTimeOffset.UtcNow.AddMinutes(2) }, default)).Should().NotBeNull();

        await using var taken = await Locker().AcquireAsync(Holder("bob"), TimeSpan.Zero, Unlock, default);

        taken.Holder.Who.Should().Be("bob");
        log.Lines.Should().Contain(l => l.Contains("is no longer running on this machine"));
    }

    [Fact]
    public async Task A_live_holder_on_another_machine_keeps_its_lock_while_its_lease_runs()
    {
        (await Store.TryCreateAsync(Holder("alice", "another-machine/pid:[1]/4242/1") with { LeaseUntil = DateTimeOffset.UtcNow.AddMinutes(2) }, default))
            .Should().NotBeNull();

        var second = () => Locker().AcquireAsync(Holder("bob"), TimeSpan.FromMilliseconds(300), Unlock, default);

        (await second.Should().ThrowAsync<PipelineException>()).Which.Message.Should().Contain("waited").And.Contain("its lease ends at");
    }

    [Fact]
    public async Task The_holder_renews_its_lease_while_it_runs_and_release_deletes_the_lock()
    {
        var held = await Locker(TimeSpan.FromMilliseconds(400)).AcquireAsync(Holder("alice"), TimeSpan.Zero, Unlock, default);
        var first = held.Holder.LeaseUntil;

        await Eventually.UntilAsync("the lease to be renewed", async () => (await Store.ReadAsync(default))?.Holder?.LeaseUntil, lease => lease > first,
            TimeSpan.FromSeconds(10));
        await held.DisposeAsync();

        (await Store.ReadAsync(default)).Should().BeNull();
        File.Exists(Store.Path).Should().BeFalse();
        Directory.GetFiles(directory).Should().BeEmpty("a renewal or release leaves no file behind");
    }

    [Fact]
    public async Task A_holder_whose_lock_was_broken_says_so_and_does_not_delete_the_next_holders_lock()
    {
        var held = await Locker(TimeSpan.FromMilliseconds(400)).AcquireAsync(Holder("alice"), TimeSpan.Zero, Unlock, default);
        var current = (await Store.ReadAsync(default))!;
        (await Store.TryDeleteAsync(current.Version, default)).Should().BeTrue("Unlock breaks it");
        await using var next = await Locker().AcquireAsync(Holder("bob"), TimeSpan.Zero, Unlock, default);

        await Eventually.UntilAsync("the holder to notice", () => Task.FromResult(log.Lines),
            lines => lines.Any(l => l.Contains("environment lock of dev LOST") && l.Contains("held by Deploy by bob")), TimeSpan.FromSeconds(10),
            describe: lines => string.Join("\n", lines));
        await held.DisposeAsync();

        (await Store.ReadAsync(default))!.Holder!.Who.Should().Be("bob");
    }

    [Fact]
    public async Task Of_many_runs_started_together_exactly_one_gets_the_lock()
    {
        var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                return await Locker().AcquireAsync(Holder($"run{i}"), TimeSpan.Zero, Unlock, default);
            }
            catch (PipelineException)
            {
                return null;
            }
        })).ToList();

        var held = (await Task.WhenAll(attempts)).Where(h => h is not null).ToList();

        held.Should().ContainSingle();
        (await Store.ReadAsync(default))!.Holder!.Who.Should().Be(held[0]!.Holder.Who);
        await held[0]!.DisposeAsync();
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
