using System.Collections;
using Pipeline.Build.Aws.History;
using Pipeline.Build.Engine;
using Pipeline.Manifests;
using static Pipeline.Build.Tests.Aws.History.HistoryRecords;

namespace Pipeline.Build.Tests.Aws.History;

/// <summary>
/// Promotion (Deploy --promote-from): which images it takes from the source environment's history, and the invocations it
/// refuses before anything runs.
/// </summary>
public sealed class PromotionTests
{
    static readonly string[] Both = ["fastapi", "mcp"];

    static Task<PromotionPlan> Plan(IReadOnlyList<DeployHistoryRecord> newestFirst, string? record = null) =>
        PromotionPlanner.PlanAsync(DeployHistoryCursor.Of(newestFirst), "dev", record, Both, default);

    [Fact]
    public async Task By_default_it_promotes_the_newest_successful_record_with_each_services_digest()
    {
        var v1 = Record("Deploy", "succeeded", ("fastapi", "f1"), ("mcp", "m1"));
        var failed = Record("Deploy", "failed", ("fastapi", "f2"), ("mcp", "m2"));

        var plan = await Plan([failed, v1]);

        plan.Record.Id.Should().Be(v1.Id);
        plan.Reference.Should().Be($"dev/{v1.Id}");
        plan.Images.Select(i => (i.Service, i.Image.Tag, i.Image.Digest)).Should().Equal(("fastapi", "f1", "sha256:f1"), ("mcp", "m1", "sha256:m1"));
    }

    [Fact]
    public async Task A_redeploy_record_promotes_what_it_rolled_and_each_other_service_as_of_it()
    {
        var v1 = Record("Deploy", "succeeded", ("fastapi", "f1"), ("mcp", "m1"));
        var redeploy = Record("Redeploy", "succeeded", ("mcp", "m2"));

        var plan = await Plan([redeploy, v1]);

        plan.Record.Id.Should().Be(redeploy.Id);
        plan.Images.Should().Contain(i => i.Service == "mcp" && i.Image.Tag == "m2" && i.FromRecord == redeploy.Id)
            .And.Contain(i => i.Service == "fastapi" && i.Image.Tag == "f1" && i.FromRecord == v1.Id);
    }

    [Fact]
    public async Task A_named_record_is_promoted_even_when_newer_ones_exist()
    {
        var v1 = Record("Deploy", "succeeded", ("fastapi", "f1"), ("mcp", "m1"));
        var v2 = Record("Deploy", "succeeded", ("fastapi", "f2"), ("mcp", "m2"));

        var plan = await Plan([v2, v1], v1.Id);

        plan.Images.Select(i => i.Image.Tag).Should().Equal("f1", "m1");
    }

    [Fact]
    public async Task A_failed_record_is_refused_with_the_recent_records()
    {
        var v1 = Record("Deploy", "succeeded", ("fastapi", "f1"), ("mcp", "m1"));
        var failed = Record("Deploy", "failed", ("fastapi", "f2"), ("mcp", "m2"));

        var act = () => Plan([failed, v1], failed.Id);

        (await act.Should().ThrowAsync<PipelineException>()).Which.Message
            .Should().Contain($"--promote-record {failed.Id}: that Deploy of dev ended failed").And.Contain(v1.Id);
    }

    [Fact]
    public async Task An_unknown_record_and_a_history_without_success_are_refused()
    {
        var failed = Record("Deploy", "failed", ("fastapi", "f2"), ("mcp", "m2"));

        (await FluentActions.Awaiting(() => Plan([failed], "20261201T000000Z-0000")).Should().ThrowAsync<PipelineException>())
            .Which.Message.Should().Contain("environment dev has no history record with that id").And.Contain(failed.Id);
        (await FluentActions.Awaiting(() => Plan([failed])).Should().ThrowAsync<PipelineException>())
            .Which.Message.Should().Contain("no deploy of dev succeeded yet");
    }

    [Fact]
    public async Task A_service_the_source_never_deployed_is_refused_by_name()
    {
        var fastapiOnly = Record("Redeploy", "succeeded", ("fastapi", "f1"));

        (await FluentActions.Awaiting(() => Plan([fastapiOnly])).Should().ThrowAsync<PipelineException>())
            .Which.Message.Should().Contain($"no successful deploy of dev up to {fastapiOnly.Id} deployed mcp");
    }

    static async Task<(int Code, string Output)> Run(params string[] args)
    {
        var output = new StringWriter();
        var code = await PipelineBuild.RunAsync(new Build(), args, RepositoryRoot.Find(), new Hashtable(), output);
        return (code, output.ToString());
    }

    [Theory]
    [InlineData("Redeploy", "--promote-from dev")]
    [InlineData("History", "--promote-from dev")]
    public async Task Promotion_applies_to_Deploy_Diff_and_DeployRole_only(string target, string parameters)
    {
        var (code, output) = await Run([target, "--profile", "prod", .. parameters.Split(' ')]);

        code.Should().Be(2);
        output.Should().Contain($"--promote-from dev deploys another environment's images with Deploy (or previews that with Diff); it does not apply to {target}");
    }

    [Fact]
    public async Task Promoting_an_environment_from_itself_is_refused()
    {
        var (code, output) = await Run("Deploy", "--profile", "dev", "--promote-from", "dev");

        code.Should().Be(2);
        output.Should().Contain("--promote-from dev names the environment being deployed");
    }

    [Fact]
    public async Task Promotion_needs_the_AWS_platform()
    {
        var (code, output) = await Run("Deploy", "--promote-from", "dev");

        code.Should().Be(2);
        output.Should().Contain("--promote-from dev reads the deploy history an AWS account keeps");
    }

    [Fact]
    public async Task A_record_without_promote_from_or_not_an_id_is_refused()
    {
        var (code, output) = await Run("Deploy", "--profile", "prod", "--promote-record", "20261201T153012Z-3f2a");
        code.Should().Be(2);
        output.Should().Contain("--promote-record 20261201T153012Z-3f2a names a record of the environment that --promote-from promotes");

        (code, output) = await Run("Deploy", "--profile", "prod", "--promote-from", "dev", "--promote-record", "latest");
        code.Should().Be(2);
        output.Should().Contain("--promote-record latest is not a history record id");
    }

    [Fact]
    public async Task The_plan_of_a_promotion_skips_BuildImages_and_says_why()
    {
        var (code, output) = await Run("Deploy", "--profile", "prod", "--promote-from", "dev", "--plan");

        code.Should().Be(0, output);
        output.Should().MatchRegex(@"BuildImages[^\n]*skipped because 'PromoteFrom is null or """"' is false");
    }
}
