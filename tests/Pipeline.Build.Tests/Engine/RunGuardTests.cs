using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Engine;

/// <summary>What a target holds for the run (the environment lock): taken once before the first target, released after the run has finished.</summary>
public sealed class RunGuardTests
{
    sealed class GuardedBuild : PipelineBuild
    {
        public List<string> Events { get; } = [];
        public bool Refuse { get; init; }

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
}
