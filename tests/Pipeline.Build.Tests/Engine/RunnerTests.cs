using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Engine;

public sealed class RunnerTests
{
    sealed class RecordingBuild : PipelineBuild
    {
        public List<string> Ran { get; } = [];
        public bool Ready { get; set; }

        Target Compile => _ => _.Executes(() => Ran.Add("Compile"));
        Target Fail => _ => _.DependsOn(Compile).Executes(() => throw new PipelineException("stack apigw-dev-app is in UPDATE_ROLLBACK_FAILED"));
        Target After => _ => _.DependsOn(Fail).Executes(() => Ran.Add("After"));
        Target Cleanup => _ => _.After(Fail).AssuredAfterFailure().Executes(() => Ran.Add("Cleanup"));
        Target Gated => _ => _.DependsOn(Compile).OnlyWhenDynamic(() => Ready).Executes(() => Ran.Add("Gated"));
        Target Async => _ => _.Executes(async () => { await Task.Yield(); Ran.Add("Async"); });
    }

    static async Task<(RecordingBuild Build, IReadOnlyList<TargetOutcome> Outcomes, string Output)> Run(params string[] targets)
    {
        var build = new RecordingBuild();
        var catalog = TargetCatalog.Discover(build);
        var plan = ExecutionPlanner.Plan(catalog.ResolveNames(targets, "target"), SkipRequest.None);
        var output = new StringWriter();
        var outcomes = await new TargetRunner(output).RunAsync(plan, CancellationToken.None);
        return (build, outcomes, output.ToString());
    }

    [Fact]
    public async Task A_failure_stops_the_targets_after_it_but_not_cleanup()
    {
        var (build, outcomes, output) = await Run("After", "Cleanup");

        build.Ran.Should().Equal("Compile", "Cleanup");
        outcomes.Select(o => (o.Target, o.Status)).Should().Equal(
            ("Compile", TargetStatus.Succeeded),
            ("Fail", TargetStatus.Failed),
            ("After", TargetStatus.NotRun),
            ("Cleanup", TargetStatus.Succeeded));
        output.Should().Contain("Fail failed: stack apigw-dev-app is in UPDATE_ROLLBACK_FAILED");
    }

    [Fact]
    public async Task A_false_dynamic_condition_skips_at_run_time_and_says_why()
    {
        var (build, outcomes, output) = await Run("Gated");

        build.Ran.Should().Equal("Compile");
        outcomes.Last().Status.Should().Be(TargetStatus.Skipped);
        output.Should().Contain("Gated: skipped because 'Ready' is false");
    }

    [Fact]
    public async Task Asynchronous_actions_are_awaited()
    {
        var (build, _, _) = await Run("Async");
        build.Ran.Should().Equal("Async");
    }

    sealed class InterruptedBuild : PipelineBuild
    {
        public CancellationTokenSource Interrupt { get; } = new();
        public List<string> Finished { get; } = [];

        Target Long => _ => _.Executes(async () =>
        {
            await Interrupt.CancelAsync();
            await Task.Delay(TimeSpan.FromMinutes(5), Interrupt.Token);
        });
        Target Next => _ => _.DependsOn(Long).Executes(() => { });

        protected internal override Task OnFinishedAsync(string outcome, TimeSpan duration, CancellationToken cancellation)
        {
            Finished.Add(outcome);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task An_interrupted_target_is_cancelled_not_failed_and_the_run_exits_130_after_recording_the_outcome()
    {
        using var repo = new TemporaryRepository();
        var build = new InterruptedBuild();
        build.Cancellation = build.Interrupt.Token;
        var output = new StringWriter();

        var code = await PipelineBuild.RunAsync(build, ["Next"], repo.Root, new System.Collections.Hashtable(), output);

        code.Should().Be(130);
        build.Finished.Should().Equal("cancelled");
        output.ToString().Should().Contain("⊘ Long cancelled: cancelled")
            .And.MatchRegex(@"Next\s+not run\s+cancelled")
            .And.Contain("Build cancelled after").And.NotContain("FAILED");
    }

    sealed class ResultBuild : PipelineBuild
    {
        public const string Secret = "eyJhbGciOiJSUzI1NiJ9.result-token.signature";
        public bool Fail { get; init; }

        Target Produce => _ => _.Executes(() =>
        {
            SecretMasker.Register(Secret);
            if (Fail)
                throw new PipelineException("no token");
            ResultLine = Secret;
        });
    }

    [Fact]
    public async Task A_result_line_is_the_last_line_of_output_unmasked_while_every_other_line_masks_it()
    {
        using var repo = new TemporaryRepository();
        var inner = new StringWriter();
        var output = new MaskingTextWriter(inner);

        var code = await PipelineBuild.RunAsync(new ResultBuild(), ["Produce"], repo.Root, new System.Collections.Hashtable(), output);
        output.Flush();

        code.Should().Be(0);
        var lines = inner.ToString().TrimEnd('\n').Split('\n');
        lines[^1].Should().Be(ResultBuild.Secret);
        lines[..^1].Should().NotContain(l => l.Contains(ResultBuild.Secret)).And.Contain(l => l.Contains("Build succeeded"));
    }

    [Fact]
    public async Task A_failed_run_prints_no_result_line()
    {
        using var repo = new TemporaryRepository();
        var inner = new StringWriter();
        var output = new MaskingTextWriter(inner);

        var code = await PipelineBuild.RunAsync(new ResultBuild { Fail = true }, ["Produce"], repo.Root, new System.Collections.Hashtable(), output);
        output.Flush();

        code.Should().Be(1);
        inner.ToString().Should().NotContain(ResultBuild.Secret);
        inner.ToString().TrimEnd('\n').Split('\n')[^1].Should().StartWith("Build failed");
    }
}
