using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Engine;

public sealed class PlanOutputTests
{
    sealed class ShippingBuild : PipelineBuild
    {
        public bool OnAws { get; set; }

        Target Compile => _ => _;
        Target Package => _ => _.DependsOn(Compile).OnlyWhenStatic(() => OnAws);
        Target Announce => _ => _;
        Target Ship => _ => _.DependsOn(Package).Triggers(Announce).OnlyWhenDynamic(() => OnAws);
    }

    static IReadOnlyList<PlanEntry> Plan()
    {
        var catalog = TargetCatalog.Discover(new ShippingBuild());
        return ExecutionPlanner.Plan(catalog.ResolveNames(["Ship"], "target"), SkipRequest.None);
    }

    [Fact]
    public void The_text_plan_lists_every_target_in_order_with_its_reason_and_whether_it_runs()
    {
        var output = new StringWriter();
        PlanPrinter.WriteText(output, Plan(), dryRun: false);

        output.ToString().Should().MatchRegex(@"1\s+Compile\s+dependency of Package\s+yes")
            .And.MatchRegex(@"2\s+Package\s+dependency of Ship\s+skipped because 'OnAws' is false")
            .And.MatchRegex(@"3\s+Ship\s+invoked\s+if OnAws")
            .And.MatchRegex(@"4\s+Announce\s+triggered by Ship\s+yes")
            .And.Contain("Nothing was run.");
    }

    [Fact]
    public void The_mermaid_plan_draws_dependencies_triggers_and_skips()
    {
        var output = new StringWriter();
        PlanPrinter.WriteMermaid(output, Plan());

        output.ToString().Should().StartWith("```mermaid\ngraph LR\n".ReplaceLineEndings())
            .And.Contain("Compile --> Package")
            .And.Contain("Package --> Ship")
            .And.Contain("Ship -. triggers .-> Announce")
            .And.Contain("Package[\"2. Package (skipped)\"]")
            .And.Contain("class Package skipped");
    }

    [Fact]
    public void The_outcome_table_marks_failures_and_the_summary_names_them()
    {
        var output = new StringWriter();
        OutcomeReport.Write(output,
        [
            new TargetOutcome("Compile", TargetStatus.Succeeded, TimeSpan.FromSeconds(1.2), null),
            new TargetOutcome("Ship", TargetStatus.Failed, TimeSpan.FromSeconds(75), "stack busy"),
            new TargetOutcome("Announce", TargetStatus.NotRun, TimeSpan.Zero, "an earlier target failed"),
        ], TimeSpan.FromSeconds(77), dryRun: false);

        output.ToString().Should().MatchRegex(@"Compile\s+succeeded\s+1\.2s")
            .And.MatchRegex(@"Ship\s+FAILED\s+1m15s\s+stack busy")
            .And.MatchRegex(@"Announce\s+not run\s+an earlier target failed")
            .And.Contain("Build failed in 1m17s: Ship.");
    }
}
