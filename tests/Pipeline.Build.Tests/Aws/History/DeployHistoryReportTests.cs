using System.Text.Json;
using Pipeline.Build.Aws.History;
using Pipeline.Build.Reports;

namespace Pipeline.Build.Tests.Aws.History;

public sealed class DeployHistoryReportTests
{
    static readonly DeployHistoryRecord Deploy = new()
    {
        Id = "20261201T153012Z-3f2a",
        Environment = "dev",
        Target = "Deploy",
        Time = new DateTimeOffset(2026, 12, 1, 15, 30, 12, TimeSpan.Zero),
        DurationSeconds = 412.3,
        Outcome = "succeeded",
        Caller = new HistoryCaller("123456789012", "arn:aws:sts::123456789012:assumed-role/GitHubDeploy/run-42"),
        Git = new HistorySource("3f2a9c1d0b7e5a6b7c8d9e0f1a2b3c4d5e6f7a8b", Dirty: true),
        Region = "eu-west-1",
        Registry = "ecr",
        Services =
        [
            new HistoryImage("fastapi", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/apigw-dev/fastapi", "9a166037bc09ddbb", "sha256:aa") { ProtectedTag = "deployed-20261201T153012Z-3f2a" },
            new HistoryImage("mcp", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/apigw-dev/mcp", "1b2c3d4e5f607182", "sha256:bb") { ProtectedTag = "deployed-20261201T153012Z-3f2a" },
        ],
        Templates = new Dictionary<string, string> { ["apigw-dev-shared"] = "c0ffee" },
    };

    static readonly DeployHistoryRecord Rollback = Deploy with
    {
        Id = "20261202T090000Z-0a0b",
        Time = new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero),
        Target = "Rollback",
        Outcome = "failed",
        Caller = new HistoryCaller("123456789012", "arn:aws:iam::123456789012:user/jane"),
        Git = HistorySource.Unknown,
        Services = [Deploy.Services[1] with { Tag = "0000aaaa1111bbbb" }],
        RollbackTo = "20261201T153012Z-3f2a",
    };

    [Fact]
    public void A_record_reads_back_from_its_json_unchanged()
    {
        var json = Deploy.ToJson();

        var read = DeployHistoryRecord.FromJson(json);

        read.Should().BeEquivalentTo(Deploy);
        using var document = JsonDocument.Parse(json);
        document.RootElement.GetProperty("git").GetProperty("dirty").GetBoolean().Should().BeTrue();
        document.RootElement.GetProperty("services")[0].GetProperty("protectedTag").GetString().Should().Be("deployed-20261201T153012Z-3f2a");
        document.RootElement.TryGetProperty("rollbackTo", out _).Should().BeFalse("a deploy rolls back nothing");
    }

    [Fact]
    public void The_table_shows_id_time_target_outcome_who_commit_and_each_services_tag()
    {
        var text = DeployHistoryReport.Render([Rollback, Deploy], ["fastapi", "mcp"], ReportFormat.Text);

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().MatchRegex(@"^\s*Id\s+Time \(UTC\)\s+Target\s+Outcome\s+Who\s+Commit\s+fastapi\s+mcp$");
        lines[2].Should().MatchRegex(@"20261202T090000Z-0a0b\s+2026-12-02 09:00:00\s+Rollback to 20261201T153012Z-3f2a\s+failed\s+user/jane\s+unknown\s+-\s+0000aaaa1111bbbb");
        lines[3].Should().MatchRegex(@"20261201T153012Z-3f2a\s+2026-12-01 15:30:12\s+Deploy\s+succeeded\s+assumed-role/GitHubDeploy/run-42\s+3f2a9c1d0b7e\+dirty\s+9a166037bc09ddbb\s+1b2c3d4e5f607182");
    }

    static readonly DeployHistoryRecord Canary = Deploy with
    {
        Id = "20261203T100000Z-1c2d",
        Time = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero),
        Target = "Redeploy",
        Outcome = "failed",
        Services = [Deploy.Services[0] with { Tag = "77aa88bb99cc00dd", Strategy = "canary 10 % for 3 min, bake 5 min", Rollout = "rolled back by alarm apigw-dev-fastapi-5xx" }],
    };

    [Fact]
    public void A_record_keeps_the_strategy_each_service_rolled_with_and_how_it_ended()
    {
        using var document = JsonDocument.Parse(Canary.ToJson());

        var fastapi = document.RootElement.GetProperty("services")[0];
        fastapi.GetProperty("strategy").GetString().Should().Be("canary 10 % for 3 min, bake 5 min");
        fastapi.GetProperty("rollout").GetString().Should().Be("rolled back by alarm apigw-dev-fastapi-5xx");
        DeployHistoryRecord.FromJson(Canary.ToJson()).Should().BeEquivalentTo(Canary);
    }

    [Fact]
    public void A_record_written_before_strategies_reads_with_neither()
    {
        var old = """
            {"schema":1,"id":"20261101T080000Z-aaaa","environment":"dev","target":"Deploy","time":"2026-11-01T08:00:00+00:00","outcome":"succeeded",
             "services":[{"service":"fastapi","repository":"r/fastapi","tag":"0123456789abcdef","digest":"sha256:aa"}]}
            """;

        var image = DeployHistoryRecord.FromJson(old).ImageOf("fastapi")!;

        image.Strategy.Should().BeNull();
        image.Rollout.Should().BeNull();
        DeployHistoryReport.Render([DeployHistoryRecord.FromJson(old)], ["fastapi"], ReportFormat.Text).Should().NotContain("Rollout");
    }

    [Fact]
    public void The_table_shows_how_each_rollout_ended_when_a_record_says()
    {
        var lines = DeployHistoryReport.Render([Canary, Deploy], ["fastapi", "mcp"], ReportFormat.Text).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        lines[0].Should().MatchRegex(@"Commit\s+fastapi\s+mcp\s+Rollout$");
        lines[2].Should().EndWith("fastapi rolled back by alarm apigw-dev-fastapi-5xx (canary 10 % for 3 min, bake 5 min)");
        lines[3].Should().MatchRegex(@"1b2c3d4e5f607182\s+-$", "an older record says nothing of its rollouts");
    }

    [Fact]
    public void Json_is_the_same_records_and_service_filter_keeps_only_that_services_image()
    {
        var json = DeployHistoryReport.Render([Rollback, Deploy], ["mcp"], ReportFormat.Json);

        var records = JsonSerializer.Deserialize<JsonElement[]>(json)!;
        records.Select(r => r.GetProperty("id").GetString()).Should().Equal(Rollback.Id, Deploy.Id);
        records[1].GetProperty("services").EnumerateArray().Select(s => s.GetProperty("service").GetString()).Should().Equal("mcp");
        DeployHistoryRecord.FromJson(records[0].GetRawText()).RollbackTo.Should().Be(Deploy.Id);
    }

    [Fact]
    public void Markdown_is_a_table_with_a_row_per_record()
    {
        var markdown = DeployHistoryReport.Render([Deploy], ["fastapi", "mcp"], ReportFormat.Markdown);

        markdown.Should().StartWith("| Id | Time (UTC) | Target | Outcome | Who | Commit | fastapi | mcp |\n|---|---|---|---|---|---|---|---|\n")
            .And.Contain("| 20261201T153012Z-3f2a | 2026-12-01 15:30:12 | Deploy | succeeded |");
    }

    [Fact]
    public void History_ids_sort_by_time_and_carry_a_random_suffix()
    {
        var earlier = HistoryId.New(new DateTimeOffset(2026, 12, 1, 15, 30, 12, TimeSpan.Zero));
        var later = HistoryId.New(new DateTimeOffset(2026, 12, 1, 15, 30, 13, TimeSpan.Zero));

        earlier.Should().MatchRegex("^20261201T153012Z-[0-9a-f]{4}$");
        HistoryId.IsValid(earlier).Should().BeTrue();
        HistoryId.IsValid("../../etc").Should().BeFalse();
        string.CompareOrdinal(earlier, later).Should().BeNegative();
    }
}
