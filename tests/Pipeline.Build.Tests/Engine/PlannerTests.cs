using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Engine;

public sealed class PlannerTests
{
    sealed class ChainBuild : PipelineBuild
    {
        public bool Deployable { get; set; } = true;

        Target A => _ => _.Description("first");
        Target B => _ => _.DependsOn(A);
        Target C => _ => _.DependsOn(B);
        Target Unrelated => _ => _.Unlisted();
        Target Late => _ => _.After(C);
        Target Early => _ => _.Before(A);
        Target Notify => _ => _;
        Target Announce => _ => _.Triggers(Notify);
        Target Conditional => _ => _.DependsOn(A).OnlyWhenStatic(() => Deployable);
        Target X => _ => _.DependsOn(Z);
        Target Y => _ => _.DependsOn(X);
        Target Z => _ => _.DependsOn(Y);
        Target Left => _ => _;
        Target Right => _ => _;
        Target Both => _ => _.DependsOn(Right, Left);
    }

    static IReadOnlyList<string> PlanOf(PipelineBuild build, string[] invoked, SkipRequest? skip = null)
    {
        var catalog = TargetCatalog.Discover(build);
        return ExecutionPlanner.Plan(catalog.ResolveNames(invoked, "target"), skip ?? SkipRequest.None)
            .Select(e => e.Target.Name).ToList();
    }

    [Fact]
    public void Dependencies_run_before_the_target_that_needs_them()
    {
        PlanOf(new ChainBuild(), ["C"]).Should().Equal("A", "B", "C");
    }

    [Fact]
    public void Target_names_are_case_insensitive()
    {
        PlanOf(new ChainBuild(), ["c"]).Should().Equal("A", "B", "C");
    }

    [Fact]
    public void Independent_targets_keep_declaration_order()
    {
        PlanOf(new ChainBuild(), ["Both"]).Should().Equal("Left", "Right", "Both");
    }

    [Fact]
    public void After_and_before_order_targets_without_pulling_them_in()
    {
        PlanOf(new ChainBuild(), ["C"]).Should().NotContain(["Late", "Early"]);
        PlanOf(new ChainBuild(), ["Late", "C", "Early"]).Should().Equal("Early", "A", "B", "C", "Late");
    }

    [Fact]
    public void Triggered_targets_join_the_plan_and_run_after_their_trigger()
    {
        var catalog = TargetCatalog.Discover(new ChainBuild());
        var plan = ExecutionPlanner.Plan(catalog.ResolveNames(["Announce"], "target"), SkipRequest.None);
        plan.Select(e => e.Target.Name).Should().Equal("Announce", "Notify");
        plan[1].Reason.Should().Be("triggered by Announce");
    }

    [Fact]
    public void Each_entry_says_why_it_is_in_the_plan()
    {
        var catalog = TargetCatalog.Discover(new ChainBuild());
        var plan = ExecutionPlanner.Plan(catalog.ResolveNames(["C"], "target"), SkipRequest.None);
        plan.Select(e => e.Reason).Should().Equal("dependency of B", "dependency of C", "invoked");
    }

    [Fact]
    public void A_cycle_is_reported_with_its_members()
    {
        var act = () => PlanOf(new ChainBuild(), ["X"]);
        act.Should().Throw<PipelineException>().WithMessage("*cycle*X*Y*Z*");
    }

    [Fact]
    public void A_false_static_condition_skips_the_target_and_quotes_the_condition()
    {
        var catalog = TargetCatalog.Discover(new ChainBuild { Deployable = false });
        var plan = ExecutionPlanner.Plan(catalog.ResolveNames(["Conditional"], "target"), SkipRequest.None);
        plan.Single(e => e.Target.Name == "Conditional").SkipReason.Should().Be("'Deployable' is false");
        plan.Single(e => e.Target.Name == "A").IsSkipped.Should().BeFalse("a skipped target's dependencies still run");
    }

    [Fact]
    public void Skip_with_names_skips_only_those()
    {
        var catalog = TargetCatalog.Discover(new ChainBuild());
        var plan = ExecutionPlanner.Plan(catalog.ResolveNames(["C"], "target"), new SkipRequest(false, catalog.ResolveNames(["b"], "target").ToList()));
        plan.Where(e => e.IsSkipped).Select(e => e.Target.Name).Should().Equal("B");
    }

    [Fact]
    public void Skip_without_names_skips_everything_but_the_invoked_targets()
    {
        var catalog = TargetCatalog.Discover(new ChainBuild());
        var plan = ExecutionPlanner.Plan(catalog.ResolveNames(["C"], "target"), new SkipRequest(true, []));
        plan.Where(e => !e.IsSkipped).Select(e => e.Target.Name).Should().Equal("C");
    }

    [Fact]
    public void An_unknown_target_names_the_ones_that_exist()
    {
        var act = () => PlanOf(new ChainBuild(), ["Cc"]);
        act.Should().Throw<PipelineException>().WithMessage("Unknown target 'Cc'*Did you mean 'C'*A, B, C*");
    }
}
