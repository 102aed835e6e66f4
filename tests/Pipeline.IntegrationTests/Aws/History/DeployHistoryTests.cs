using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.History;
using Pipeline.Build.Deployment;
using Pipeline.Build.Images;
using Pipeline.Build.Reports;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Aws.History;

/// <summary>
/// The deploy history against moto over HTTP (S3, STS, ECR) and the local registry: records written and read back newest
/// first, History's filters and formats, what a record holds, and the protected <c>deployed-</c> tags in ECR and a plain registry.
/// </summary>
public sealed class DeployHistoryTests(MotoServer moto) : MotoTests(moto)
{
    readonly string environment = "h" + Guid.NewGuid().ToString("N")[..8];
    readonly string root = Directory.CreateTempSubdirectory("pipeline-history-").FullName;
    readonly ServiceCatalog catalog = ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory());

    DeploySettings Settings(string? registry = null, int keep = 10) => new()
    {
        RootDirectory = root,
        ArtifactsDirectory = Path.Combine(root, "artifacts"),
        Catalog = catalog,
        Environment = environment,
        DryRun = false,
        Registry = registry,
        KeepDeployedImages = keep,
    };

    static int second;

    DeployHistoryRecord Record(string target, string outcome, params (string Service, string Tag)[] images) => new()
    {
        Id = HistoryId.New(new DateTimeOffset(2026, 12, 1, 15, 0, 0, TimeSpan.Zero).AddSeconds(Interlocked.Increment(ref second))),
        Environment = environment,
        Target = target,
        Time = DateTimeOffset.UtcNow,
        Outcome = outcome,
        Caller = new HistoryCaller("123456789012", "arn:aws:sts::123456789012:user/moto"),
        Services = images.Select(i => new HistoryImage(i.Service, $"127.0.0.1:5000/apigw-{environment}/{i.Service}", i.Tag, null)).ToList(),
    };

    async Task<string> ShowAsync(DeployHistory history, int limit, ReportFormat format, RecordingStepLog log, params string[] only)
    {
        var output = new StringWriter();
        await DeployHistoryReport.ShowAsync(history, only.Length > 0 ? only : [.. catalog.Names], only.Length > 0, limit, format, output, log, default);
        return output.ToString();
    }

    [Fact]
    public async Task Records_written_to_S3_read_back_newest_first_and_History_filters_by_service_limits_and_prints_json()
    {
        var (history, caller) = await DeployHistory.ForAccountAsync(Connection, environment, default);
        var v1 = Record("Deploy", "succeeded", ("fastapi", "f1"), ("mcp", "m1"));
        var v2 = Record("Redeploy", "failed", ("mcp", "m2"));
        var v3 = Record("Deploy", "succeeded", ("fastapi", "f3"), ("mcp", "m3"));
        var log = new RecordingStepLog();
        foreach (var record in new[] { v2, v1, v3 })
            await history.WriteAsync(record, log, default);

        caller.Account.Should().Be("123456789012");
        history.BucketName.Should().Be(TemplateStore.BucketNameFor("123456789012", MotoServer.Region));
        var listing = await history.ListAsync(default);
        listing.IdsNewestFirst.Should().Equal(v3.Id, v2.Id, v1.Id);
        var read = await history.ReadAllAsync(listing.IdsNewestFirst, log, default).ToListAsync();
        read.Should().BeEquivalentTo([v3, v2, v1], o => o.WithStrictOrdering());

        var table = await ShowAsync(history, 20, ReportFormat.Text, log);
        var rows = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        rows[0].Should().MatchRegex(@"Id\s+Time \(UTC\)\s+Target\s+Outcome\s+Who\s+Commit\s+fastapi\s+mcp");
        rows.Skip(2).Select(r => r.Trim()[..21]).Should().Equal(v3.Id, v2.Id, v1.Id);
        rows[3].Should().MatchRegex(@"Redeploy\s+failed\s+user/moto\s+unknown\s+-\s+m2$");

        var limited = await ShowAsync(history, 2, ReportFormat.Text, log);
        limited.Should().Contain(v3.Id).And.Contain(v2.Id).And.NotContain(v1.Id);
        log.Text.Should().Contain("older ones with --limit 4");

        var fastapiOnly = await ShowAsync(history, 20, ReportFormat.Text, log, "fastapi");
        fastapiOnly.Should().Contain(v3.Id).And.Contain(v1.Id).And.NotContain(v2.Id, "the mcp redeploy did not deploy fastapi");
        fastapiOnly.Split('\n')[0].Should().EndWith("fastapi").And.NotContain("mcp");

        var json = JsonSerializer.Deserialize<JsonElement[]>(await ShowAsync(history, 20, ReportFormat.Json, log, "mcp"))!;
        json.Select(r => r.GetProperty("id").GetString()).Should().Equal(v3.Id, v2.Id, v1.Id);
        json[0].GetProperty("services").EnumerateArray().Select(s => s.GetProperty("service").GetString()).Should().Equal("mcp");
        json[1].GetProperty("outcome").GetString().Should().Be("failed");
    }

    [Fact]
    public async Task A_missing_bucket_or_an_environment_without_records_is_a_message_not_an_error()
    {
        var missing = new DeployHistory(AwsSdkClients.CreateS3(Connection), "apigw-templates-000000000000-nowhere", MotoServer.Region, environment);
        var log = new RecordingStepLog();

        (await ShowAsync(missing, 20, ReportFormat.Text, log)).Should().BeEmpty();
        log.Text.Should().Contain($"No deploy history for environment {environment} yet: bucket apigw-templates-000000000000-nowhere does not exist");
        (await ShowAsync(missing, 20, ReportFormat.Json, log)).Trim().Should().Be("[]");

        var (empty, _) = await DeployHistory.ForAccountAsync(Connection, environment, default);
        await new TemplateStore(AwsSdkClients.CreateS3(Connection), empty.BucketName, MotoServer.Region).EnsureBucketAsync(log, default);
        (await ShowAsync(empty, 20, ReportFormat.Text, log)).Should().BeEmpty();
        log.Text.Should().Contain($"No deploy history for environment {environment} yet in s3://{empty.BucketName}/history/{environment}/");
    }

    [RegistryFact]
    public async Task A_successful_run_is_recorded_with_caller_templates_digests_and_each_image_gets_its_deployed_tag_in_the_registry()
    {
        var name = $"apigw-{environment}/mcp";
        var (_, digest) = await RegistryTestImage.PushAsync(Http, Requires.LocalRegistry, name, "m1");
        var image = new ServiceImage(catalog["mcp"], $"{Requires.LocalRegistry}/{name}", "m1");
        var stacks = new Dictionary<string, StackDescription>
        {
            [DeploymentNames.ServiceStack(environment, "mcp")] = new("apigw-x-mcp", "id", "UPDATE_COMPLETE", "", new Dictionary<string, string>())
            {
                Tags = new Dictionary<string, string> { [StackSetDeployer.TemplateHashTag] = "c0ffee" },
            },
        };
        var log = new RecordingStepLog();
        try
        {
            var record = await new DeployHistoryRecorder(Connection, Http, Settings(Requires.LocalRegistry)).RecordAsync(
                new DeployHistoryRecorder.Run("Redeploy", [image], "succeeded", TimeSpan.FromSeconds(42.25), stacks,
                    new ImageDestination($"{Requires.LocalRegistry}/apigw-{environment}", null, IsRegistry: true)), log, default);

            var (history, _) = await DeployHistory.ForAccountAsync(Connection, environment, default);
            var stored = await history.ReadAsync(record.Id, default);
            stored.Should().BeEquivalentTo(record);
            stored!.Caller.Should().Be(new HistoryCaller("123456789012", stored.Caller.Arn));
            stored.Caller.Arn.Should().StartWith("arn:aws:");
            stored.Git.Should().Be(HistorySource.Unknown, "the root is no git checkout");
            stored.Target.Should().Be("Redeploy");
            stored.DurationSeconds.Should().Be(42.3);
            stored.Templates.Should().Equal(new Dictionary<string, string> { [DeploymentNames.ServiceStack(environment, "mcp")] = "c0ffee" });
            stored.Registry.Should().Be($"{Requires.LocalRegistry}/apigw-{environment}");
            var recorded = stored.Services.Single();
            recorded.Should().BeEquivalentTo(new { Service = "mcp", Tag = "m1", Digest = digest, ProtectedTag = $"deployed-{record.Id}" });
            (await RegistryTestImage.DigestOfAsync(Http, Requires.LocalRegistry, name, $"deployed-{record.Id}")).Should().Be(digest, "the second tag names the same image");
            log.Text.Should().Contain($"record {record.Id} written to s3://{history.BucketName}/history/{environment}/{record.Id}.json");
            using var registry = new RegistryClient();
            (await registry.GetManifestAsync(image.Repository, "m1", null))!.Digest.Should().Be(digest);
        }
        finally
        {
            await RegistryTestImage.DeleteAsync(Http, Requires.LocalRegistry, name, digest);
        }
    }

    [RegistryFact]
    public async Task A_failed_run_is_recorded_and_its_images_get_no_deployed_tag()
    {
        var name = $"apigw-{environment}/fastapi";
        var (_, digest) = await RegistryTestImage.PushAsync(Http, Requires.LocalRegistry, name, "f9");
        try
        {
            var record = await new DeployHistoryRecorder(Connection, Http, Settings(Requires.LocalRegistry)).RecordAsync(
                new DeployHistoryRecorder.Run("Deploy", [new ServiceImage(catalog["fastapi"], $"{Requires.LocalRegistry}/{name}", "f9")], "failed",
                    TimeSpan.FromSeconds(3), new Dictionary<string, StackDescription>(), new ImageDestination($"{Requires.LocalRegistry}/apigw-{environment}", null, true)),
                new RecordingStepLog(), default);

            record.Outcome.Should().Be("failed");
            record.Services.Single().Should().BeEquivalentTo(new { Tag = "f9", Digest = digest, ProtectedTag = (string?)null });
            (await RegistryTestImage.DigestOfAsync(Http, Requires.LocalRegistry, name, $"deployed-{record.Id}")).Should().BeNull();
        }
        finally
        {
            await RegistryTestImage.DeleteAsync(Http, Requires.LocalRegistry, name, digest);
        }
    }

    [Fact]
    public async Task In_ECR_deployed_images_get_a_second_tag_and_only_the_last_deploys_of_a_service_keep_it()
    {
        var ecr = new EcrClient(Connection, Http);
        var repository = DeploymentNames.Repository(environment, "mcp");
        await ecr.Json.CallAsync("CreateRepository", new JsonObject { ["repositoryName"] = repository, ["imageTagMutability"] = "IMMUTABLE" }, default);
        foreach (var tag in new[] { "m1", "m2", "m3" })
            await ecr.Json.CallAsync("PutImage", new JsonObject
            {
                ["repositoryName"] = repository,
                ["imageTag"] = tag,
                ["imageManifest"] = $$"""{"schemaVersion":2,"mediaType":"{{RegistryTestImage.ManifestMediaType}}","config":{"digest":"sha256:{{new string(tag[1], 64)}}"},"layers":[]}""",
                ["imageManifestMediaType"] = RegistryTestImage.ManifestMediaType,
            }, default);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var recorder = new DeployHistoryRecorder(Connection, Http, Settings(registry: null, keep: 2)) { Clock = clock };
        var log = new RecordingStepLog();
        var ids = new List<string>();
        foreach (var tag in new[] { "m1", "m2", "m3" })
        {
            var image = new ServiceImage(catalog["mcp"], $"123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}", tag);
            var record = await recorder.RecordAsync(new DeployHistoryRecorder.Run("Deploy", [image], "succeeded", TimeSpan.FromSeconds(1),
                new Dictionary<string, StackDescription>(), new ImageDestination("123456789012.dkr.ecr.us-east-1.amazonaws.com/" + DeploymentNames.RepositoryNamespace(environment), null, true)), log, default);
            record.Services.Single().ProtectedTag.Should().Be($"deployed-{record.Id}");
            record.Services.Single().Digest.Should().StartWith("sha256:");
            record.Registry.Should().Be("ecr");
            ids.Add(record.Id);
            // History ids are to the second: the next deploy is a later one.
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        var images = (await ecr.DescribeImagesAsync(repository, default)).ToDictionary(i => i.Tags.First(t => !t.StartsWith("deployed-")), i => i.Tags);
        images["m1"].Should().Equal(["m1"], "the first deploy is no longer among the last 2 deploys of mcp: its deployed- tag was released");
        images["m2"].Should().BeEquivalentTo(["m2", $"deployed-{ids[1]}"]);
        images["m3"].Should().BeEquivalentTo(["m3", $"deployed-{ids[2]}"]);
        log.Text.Should().Contain($"mcp: 1 image tag(s) deployed-{ids[0]} released: not among the last 2 successful deploys of mcp");
        (await ecr.PutImageTagAsync(repository, (await ecr.BatchGetImageAsync(repository, "m3", default))!, $"deployed-{ids[2]}", default))
            .Should().BeFalse("tagging again with the tag it has is no change");
    }

    [Fact]
    public async Task The_commit_comes_from_git_with_the_dirty_flag_and_is_unknown_below_the_top_of_a_checkout()
    {
        await Git("init", "-q");
        File.WriteAllText(Path.Combine(root, "a.txt"), "one");
        await Git("add", "a.txt");
        await Git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "first");
        var head = (await Git("rev-parse", "HEAD")).Trim();

        (await DeployHistoryRecorder.SourceAsync(root, default)).Should().Be(new HistorySource(head, Dirty: false));
        File.AppendAllText(Path.Combine(root, "a.txt"), "two");
        (await DeployHistoryRecorder.SourceAsync(root, default)).Should().Be(new HistorySource(head, Dirty: true));
        var below = Directory.CreateDirectory(Path.Combine(root, "sub")).FullName;
        (await DeployHistoryRecorder.SourceAsync(below, default)).Should().Be(HistorySource.Unknown);
    }

    async Task<string> Git(params string[] arguments)
    {
        using var git = Process.Start(new ProcessStartInfo("git", arguments) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await git.StandardOutput.ReadToEndAsync();
        await git.WaitForExitAsync();
        git.ExitCode.Should().Be(0, await git.StandardError.ReadToEndAsync());
        return output;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(root, recursive: true);
    }
}
