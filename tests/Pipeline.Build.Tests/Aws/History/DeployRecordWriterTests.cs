using Pipeline.Build.Aws.History;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Aws.History;

public sealed class DeployRecordWriterTests : IDisposable
{
    readonly string folder = Path.Combine(Path.GetTempPath(), "deploy-record-" + Guid.NewGuid().ToString("N"));

    static readonly DeployRecord Record = new(
        "dev",
        new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
        new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["apigw-dev-app"] = new Dictionary<string, string> { ["ApiEndpoint"] = "https://abc.execute-api.eu-west-1.amazonaws.com" },
        },
        [new DeployedImage("fastapi", "123.dkr.ecr.eu-west-1.amazonaws.com/apigw-fastapi", "3f2a9c1d0b7e", "sha256:feed")]);

    [Fact]
    public async Task Record_is_written_under_artifacts_deploy_and_reads_back_the_same()
    {
        var writer = new DeployRecordWriter(folder, _ => null);

        var path = await writer.WriteAsync(Record, new ConsoleStepLog(), default);

        path.Should().Be(Path.Combine(folder, "deploy", "dev.json"));
        var read = await DeployRecordWriter.ReadAsync(path, default);
        read!.StackOutputs["apigw-dev-app"]["ApiEndpoint"].Should().Be("https://abc.execute-api.eu-west-1.amazonaws.com");
        read.Images.Should().Equal(Record.Images);
    }

    [Fact]
    public async Task Inside_GitHub_Actions_outputs_and_a_summary_table_are_written_too()
    {
        Directory.CreateDirectory(folder);
        var output = Path.Combine(folder, "github_output");
        var summary = Path.Combine(folder, "summary.md");
        var writer = new DeployRecordWriter(folder, name => name switch { "GITHUB_OUTPUT" => output, "GITHUB_STEP_SUMMARY" => summary, _ => null });

        await writer.WriteAsync(Record, new ConsoleStepLog(), default);

        (await File.ReadAllLinesAsync(output)).Should().Contain("ApiEndpoint=https://abc.execute-api.eu-west-1.amazonaws.com")
            .And.Contain("image_fastapi=123.dkr.ecr.eu-west-1.amazonaws.com/apigw-fastapi:3f2a9c1d0b7e");
        (await File.ReadAllTextAsync(summary)).Should().Contain("| apigw-dev-app | ApiEndpoint | https://abc.execute-api.eu-west-1.amazonaws.com |")
            .And.Contain("| fastapi | 123.dkr.ecr.eu-west-1.amazonaws.com/apigw-fastapi:3f2a9c1d0b7e | sha256:feed |");
    }

    [Fact]
    public async Task The_job_summary_says_what_changed_the_endpoint_the_health_and_where_promoted_images_came_from()
    {
        Directory.CreateDirectory(folder);
        var summary = Path.Combine(folder, "summary.md");
        var writer = new DeployRecordWriter(folder, name => name == "GITHUB_STEP_SUMMARY" ? summary : null);
        var record = Record with
        {
            Environment = "prod",
            HistoryId = "20261201T153012Z-3f2a",
            PromotedFrom = "dev/20261201T150000Z-1b2c",
            Stacks =
            [
                new DeployedStack("apigw-prod-shared", "unchanged (skipped)", 0, ""),
                new DeployedStack("apigw-prod-fastapi", "updated", 42.5, "ImageTagFastapi 1111 → 3f2a9c1d0b7e"),
            ],
            Health = [new DeployedHealth("fastapi", "https://abc.execute-api.eu-west-1.amazonaws.com/api/fastapi/health", "3f2a9c1d0b7e", 85)],
        };

        await writer.WriteAsync(record, new ConsoleStepLog(), default);

        var text = await File.ReadAllTextAsync(summary);
        text.Should().Contain("**API endpoint:** https://abc.execute-api.eu-west-1.amazonaws.com")
            .And.Contain("**Images:** promoted from dev/20261201T150000Z-1b2c (the same digests, copied, not rebuilt)")
            .And.Contain("**History record:** 20261201T153012Z-3f2a")
            .And.Contain("**What changed:** 1 of 2 stacks")
            .And.Contain("| apigw-prod-fastapi | updated | 42.5 s | ImageTagFastapi 1111 → 3f2a9c1d0b7e |")
            .And.Contain("| fastapi | 123.dkr.ecr.eu-west-1.amazonaws.com/apigw-fastapi:3f2a9c1d0b7e | sha256:feed | ✅ version 3f2a9c1d0b7e, 85 ms |")
            .And.Contain("<details><summary>Deploy record (artifacts/deploy/prod.json)</summary>")
            .And.Contain("\"promotedFrom\": \"dev/20261201T150000Z-1b2c\"");
    }

    public void Dispose()
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
    }
}
