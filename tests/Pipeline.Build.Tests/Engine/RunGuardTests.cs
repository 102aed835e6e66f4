using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Engine;

/// <summary>What a target holds for the run (the environment lock): taken once before the first target, released after the run has finished.</summary>
public sealed class RunGuardTests
{
    sealed class GuardedBuild : PipelineBuild
    {
        public List<string> Events { get; } = [];
        public bool Refuse { get; init; }

        /// <summary>Rollback's question before the lock: does this run only switch a deployment under way back?</summary>
        public bool OnlySwitchesBack { get; init; }

        RunGuard Lock => new("the lock", _ =>
        {
            if (Refuse)
                throw new PipelineException("Environment dev is locked by Deploy by alice");
            Events.Add("acquired");
            return Task.FromResult<IAsyncDisposable>(new Release(Events));
        });

        Target Build => _ => _.Executes(() => Events.Add("Build"));
        Target Deploy => _ => _.DependsOn(Build).HoldsForTheRun(Lock).Executes(() => Events.Add("Deploy"));
        Target Promote => _ => _.DependsOn(Deploy).HoldsForTheRun(Lock).Executes(() => Events.Add("Promote"));
        Target Status => _ => _.Executes(() => Events.Add("Status"));
        Target Rollback => _ => _.HoldsForTheRun(Lock.Unless(_ => Task.FromResult(OnlySwitchesBack))).Executes(() => Events.Add("Rollback"));

        protected internal override Task OnFinishedAsync(string outcome, TimeSpan duration, CancellationToken cancellation)
        {
            Events.Add("finished " + outcome);
            return Task.CompletedTask;
        }

        sealed class Release(List<string> events) : IAsyncDisposable
        {
            public ValueTask DisposeAsync()
            {
                events.Add("released");
                return ValueTask.CompletedTask;
            }
        }
    }

    static async Task<(int Code, string Output)> RunAsync(GuardedBuild build, params string[] args)
    {
        using var repo = new TemporaryRepository();
        var output = new StringWriter();
        return (await PipelineBuild.RunAsync(build, args, repo.Root, new System.Collections.Hashtable(), output), output.ToString());
    }

    [Fact]
    public async Task It_is_taken_once_before_the_first_target_and_released_after_the_run_finished()
    {
        var build = new GuardedBuild();

        var (code, _) = await RunAsync(build, "Promote");

        code.Should().Be(0);
        build.Events.Should().Equal("acquired", "Build", "Deploy", "Promote", "finished succeeded", "released");
    }

    [Fact]
    public async Task A_refused_guard_runs_no_target_and_names_why()
    {
        var build = new GuardedBuild { Refuse = true };

        var (code, output) = await RunAsync(build, "Deploy");

        code.Should().Be(2);
        build.Events.Should().BeEmpty();
        output.Should().Contain("error: Environment dev is locked by Deploy by alice");
    }

    [Fact]
    public async Task Targets_that_hold_nothing_and_dry_runs_take_nothing()
    {
        var status = new GuardedBuild();
        var dryRun = new GuardedBuild();

        await RunAsync(status, "Status");
        await RunAsync(dryRun, "Deploy", "--dry-run");

        status.Events.Should().Equal("Status", "finished succeeded");
        dryRun.Events.Should().NotContain("acquired");
    }

    [Fact]
    public async Task A_guard_not_needed_is_not_taken_so_the_run_goes_ahead_while_another_run_holds_it()
    {
        var build = new GuardedBuild { Refuse = true, OnlySwitchesBack = true };

        var (code, output) = await RunAsync(build, "Rollback");

        code.Should().Be(0, output);
        build.Events.Should().Equal("Rollback", "finished succeeded");
    }

    [Fact]
    public async Task A_guard_that_is_needed_after_all_is_taken_as_always()
    {
        var free = new GuardedBuild();
        var held = new GuardedBuild { Refuse = true };

        await RunAsync(free, "Rollback");
        var (code, output) = await RunAsync(held, "Rollback");

        free.Events.Should().Equal("acquired", "Rollback", "finished succeeded", "released");
        code.Should().Be(2);
        output.Should().Contain("error: Environment dev is locked by Deploy by alice");
    }

    [Fact]
    public async Task Whether_a_guard_is_needed_is_asked_before_it_would_be_taken_and_never_waits_for_it()
    {
        var lockAsked = false;
        var neverReleased = new RunGuard("the lock", _ =>
        {
            lockAsked = true;
            return new TaskCompletionSource<IAsyncDisposable>().Task;
        });

        var acquire = neverReleased.Unless(_ => Task.FromResult(true)).AcquireAsync(default);

        (await Task.WhenAny(acquire, Task.Delay(TimeSpan.FromSeconds(5)))).Should().BeSameAs(acquire);
        lockAsked.Should().BeFalse();
    }
}
