using Pipeline.Build.Aws.History;
using Pipeline.Build.Engine;
using static Pipeline.Build.Tests.Aws.History.HistoryRecords;

namespace Pipeline.Build.Tests.Aws.History;

/// <summary>What a rollback returns to, decided from history records (newest first) and the tags the services run now.</summary>
public sealed class RollbackPlannerTests
{
    static readonly string[] Both = ["fastapi", "mcp"];

    static Task<RollbackPlan> Plan(IReadOnlyList<DeployHistoryRecord> newestFirst, IReadOnlyDictionary<string, string> running, string[] services, string? to = null) =>
        RollbackPlanner.PlanAsync(DeployHistoryCursor.Of(newestFirst), running, services, to, "dev", default);

    [Fact]
    public async Task Without_to_it_returns_to_the_newest_successful_deploy_whose_images_differ_from_what_runs()
    {
        var v1 = Record("Deploy", "succeeded", ("fastapi", "f1"), ("mcp", "m1"));
        var v2 = Record("Deploy", "succeeded", ("fastapi", "f1"), ("mcp", "m2"));

        var plan = await Plan([v2, v1], new Dictionary<string, string> { ["fastapi"] = "f1", ["mcp"] = "m2" }, Both);

        plan.Target.Id.Should().Be(v1.Id);
        plan.Changes.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Service = "mcp", CurrentTag = "m2", FromRecord = v1.Id });
        plan.Changes[0].Image.Tag.Should().Be("m1");
        plan.Unchanged.Should().Equal("fastapi");
    }

    [Fact]
    public async Task Failed_and_cancelled_runs_are_never_a_target_nor_a_source_of_images()
    {
        var v1 = Record("Deploy", "succeeded", ("fastapi", "f1"), ("mcp", "m1"));
        var broken = Record("Redeploy", "failed", ("mcp", "m-broken"));
        var v2 = Record("Deploy", "succeeded", ("fastapi", "f1"), ("mcp", "m2"));
        var interrupted = Record("Redeploy", "cancelled", ("mcp", "m3"));

        var plan = await Plan([interrupted, v2, broken, v1], new Dictionary<string, string> { ["fastapi"] = "f1", ["mcp"] = "m2" }, ["mcp"]);

        plan.Target.Id.Should().Be(v1.Id);
        plan.Changes.Single().Image.Tag.Should().Be("m1");
    }

    [Fact]
    public async Task A_redeploy_record_holds_one_service_so_the_others_come_from_the_records_before_it()
    {
        var v1 = Record("Deploy", "succeeded", ("fastapi", "f1"), ("mcp", "m1"));
        var mcpOnly = Record("Redeploy", "succeeded", ("mcp", "m2"));
        var fastapiOnly = Record("Redeploy", "succeeded", ("fastapi", "f2"));

        var plan = await Plan([fastapiOnly, mcpOnly, v1], new Dictionary<string, string> { ["fastapi"] = "f2", ["mcp"] = "m2" }, Both);

        plan.Target.Id.Should().Be(mcpOnly.Id, "as of the mcp redeploy, fastapi ran f1 (from v1) and mcp m2");
        plan.Changes.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Service = "fastapi", CurrentTag = "f2", FromRecord = v1.Id });
        plan.Unchanged.Should().Equal("mcp");
    }

    [Fact]
    public async Task After_a_rollback_the_default_target_is_the_deploy_it_undid()
    {
        var v1 = Record("Deploy", "succeeded", ("mcp", "m1"));
        var v2 = Record("Deploy", "succeeded", ("mcp", "m2"));
        var back = Record("Rollback", "succeeded", ("mcp", "m1"));

        var plan = await Plan([back, v2, v1], new Dictionary<string, string> { ["mcp"] = "m1" }, ["mcp"]);

        plan.Target.Id.Should().Be(v2.Id);
        plan.Changes.Single().Image.Tag.Should().Be("m2");
    }

    [Fact]
    public async Task To_names_the_record_whose_images_come_back()
    {
        var v1 = Record("Deploy", "succeeded", ("fastapi", "f1"), ("mcp", "m1"));
        var v2 = Record("Deploy", "succeeded", ("fastapi", "f2"), ("mcp", "m2"));
        var v3 = Record("Deploy", "succeeded", ("fastapi", "f3"), ("mcp", "m3"));

        var plan = await Plan([v3, v2, v1], new Dictionary<string, string> { ["fastapi"] = "f3", ["mcp"] = "m3" }, Both, to: v1.Id);

        plan.Target.Id.Should().Be(v1.Id);
        plan.Changes.Select(c => $"{c.Service}:{c.CurrentTag}->{c.Image.Tag}").Should().Equal("fastapi:f3->f1", "mcp:m3->m1");
    }

    [Fact]
    public async Task An_unknown_to_id_fails_listing_the_recent_records()
    {
        var v1 = Record("Deploy", "succeeded", ("mcp", "m1"));
        var v2 = Record("Deploy", "succeeded", ("mcp", "m2"));

        var act = () => Plan([v2, v1], new Dictionary<string, string> { ["mcp"] = "m2" }, ["mcp"], to: "20200101T000000Z-beef");

        (await act.Should().ThrowAsync<PipelineException>())
            .Which.Message.Should().Contain("--to 20200101T000000Z-beef: environment dev has no history record with that id")
            .And.Contain(v1.Id).And.Contain(v2.Id).And.Contain("mcp m2");
    }

    [Fact]
    public async Task To_a_failed_run_is_refused()
    {
        var v1 = Record("Deploy", "succeeded", ("mcp", "m1"));
        var failed = Record("Deploy", "failed", ("mcp", "m2"));

        var act = () => Plan([failed, v1], new Dictionary<string, string> { ["mcp"] = "m1" }, ["mcp"], to: failed.Id);

        await act.Should().ThrowAsync<PipelineException>().WithMessage($"*{failed.Id}: that Deploy ended failed*returns to a successful deploy*");
    }

    [Fact]
    public async Task When_every_earlier_deploy_ran_the_current_images_there_is_nothing_to_roll_back_to()
    {
        var v1 = Record("Deploy", "succeeded", ("mcp", "m1"));
        var again = Record("Deploy", "succeeded", ("mcp", "m1"));

        var act = () => Plan([again, v1], new Dictionary<string, string> { ["mcp"] = "m1" }, ["mcp"]);

        await act.Should().ThrowAsync<PipelineException>().WithMessage("*ran other images than the ones running now (mcp m1): there is nothing to roll back to*");
    }

    [Fact]
    public async Task A_service_no_record_up_to_the_target_deployed_is_left_as_it_runs()
    {
        var mcpFirst = Record("Redeploy", "succeeded", ("mcp", "m1"));
        var both = Record("Deploy", "succeeded", ("fastapi", "f2"), ("mcp", "m2"));

        var plan = await Plan([both, mcpFirst], new Dictionary<string, string> { ["fastapi"] = "f2", ["mcp"] = "m2" }, Both);

        plan.Target.Id.Should().Be(mcpFirst.Id);
        plan.Changes.Single().Service.Should().Be("mcp");
        plan.Unknown.Should().Equal("fastapi");
    }
}
