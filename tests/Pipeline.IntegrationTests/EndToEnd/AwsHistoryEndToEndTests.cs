using System.Text.RegularExpressions;
using Pipeline.IntegrationTests.Aws;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// Day two on AWS through <c>./build.sh --profile dev</c> against moto, images in the local registry, HealthCheck through
/// the local gateway of the same copy: Deploy v1, change mcp, Deploy v2; History lists both; Rollback --service mcp returns
/// mcp to v1's image and leaves fastapi alone; a rollback to a record whose image was deleted fails before anything changes.
/// </summary>
/// <remarks>
/// The environment is created by a first Deploy (v0) before v1: moto decides "no changes" by comparing a change set's
/// parameters with the ones the stack was <em>created</em> with (executing a change set does not update them), so a
/// parameter change back to the creation values would be a no-op there, unlike on CloudFormation.
/// </remarks>
[Collection(EndToEndCollection.Name)]
[TestCaseOrderer(ScenarioOrderer.TypeName, ScenarioOrderer.AssemblyName)]
public sealed partial class AwsHistoryEndToEndTests(AwsDeploymentFixture fixture, AwsHistoryEndToEndTests.Scenario scenario)
    : IClassFixture<AwsDeploymentFixture>, IClassFixture<AwsHistoryEndToEndTests.Scenario>
{
    const string FastApi = "fastapi";
    const string Mcp = "mcp";
    const string McpSource = "services/mcp/Program.cs";

    /// <summary>What the steps learn and the later steps check against.</summary>
    public sealed class Scenario
    {
        public string? V1McpSource { get; set; }
        public Dictionary<string, string> V1 { get; } = [];
        public Dictionary<string, string> V2 { get; } = [];
        public string? V0Record { get; set; }
        public string? V1Record { get; set; }
        public string? V2Record { get; set; }
        public string? RollbackRecord { get; set; }
    }

    IsolatedDeployment Deployment => fixture.Deployment;

    [EndToEndFact(NeedsMoto = true)]
    public async Task Deploy_v1_then_a_changed_mcp_as_v2_each_write_a_history_record()
    {
        scenario.V0Record = RecordIdOf(await fixture.DeployedOnAwsAsync());

        var first = await DeployChangedMcpAsync();
        scenario.V1Record = RecordIdOf(first);
        scenario.V1McpSource = File.ReadAllText(Path.Combine(Deployment.Copy.Root, McpSource));
        foreach (var service in new[] { FastApi, Mcp })
            scenario.V1[service] = await ImageTagAsync(service);

        var second = await DeployChangedMcpAsync();
        scenario.V2Record = RecordIdOf(second);
        foreach (var service in new[] { FastApi, Mcp })
            scenario.V2[service] = await ImageTagAsync(service);
        scenario.V2[Mcp].Should().NotBe(scenario.V1[Mcp]);
        scenario.V2[FastApi].Should().Be(scenario.V1[FastApi]);
        second.Output.Should().Contain($"{Mcp}: {Requires.LocalRegistry}/{DeploymentNames.Repository(Deployment.Environment, Mcp)}:{scenario.V2[Mcp]} also tagged deployed-{scenario.V2Record}");
    }

    /// <summary>A one-line change to mcp, served by the local gateway first (HealthCheck's target), then a full AWS Deploy.</summary>
    async Task<BuildScriptRun> DeployChangedMcpAsync()
    {
        Deployment.Copy.AppendLine(McpSource, $"// changed by the history end-to-end test {Guid.NewGuid():N}");
        var local = await Deployment.RunLocalAsync("Redeploy", "--service", Mcp);
        local.ExitCode.Should().Be(0, local.Describe());
        var deploy = await fixture.RunOnAwsAsync("Deploy");
        deploy.ExitCode.Should().Be(0, deploy.Describe());
        return deploy;
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task History_lists_both_deploys_newest_first_with_mcps_two_tags()
    {
        var history = await fixture.RunOnAwsAsync("History");

        history.ExitCode.Should().Be(0, history.Describe());
        var rows = Rows(history);
        rows.Select(r => r.Id).Should().Equal(scenario.V2Record, scenario.V1Record, scenario.V0Record);
        // Only mcp rolled in v1 and v2: the Rollout column says how, and that its rollout completed.
        rows[0].Line.Should().MatchRegex($@"Deploy\s+succeeded\s+\S+\s+unknown\s+{scenario.V2[FastApi]}\s+{scenario.V2[Mcp]}\s+{Mcp} completed \(.+\)$");
        rows[1].Line.Should().MatchRegex($@"Deploy\s+succeeded\s+\S+\s+unknown\s+{scenario.V1[FastApi]}\s+{scenario.V1[Mcp]}\s+{Mcp} completed \(.+\)$");

        var mcpOnly = await fixture.RunOnAwsAsync("History", "--service", Mcp, "--limit", "1", "--format", "json");
        mcpOnly.ExitCode.Should().Be(0, mcpOnly.Describe());
        mcpOnly.Output.Should().Contain($"\"id\": \"{scenario.V2Record}\"").And.NotContain($"\"id\": \"{scenario.V1Record}\"")
            .And.Contain($"\"tag\": \"{scenario.V2[Mcp]}\"").And.NotContain($"\"tag\": \"{scenario.V2[FastApi]}\"");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task Rollback_dry_run_shows_mcp_going_back_to_v1s_tag_and_changes_nothing()
    {
        var before = await ServiceStackParametersAsync();

        var dryRun = await fixture.RunOnAwsAsync("Rollback", "--service", Mcp, "--dry-run");

        dryRun.ExitCode.Should().Be(0, dryRun.Describe());
        dryRun.Output.Should().Contain($"Rollback of {Deployment.Environment} to {scenario.V1Record}");
        dryRun.Output.Should().MatchRegex($@"(?m)^\s*{Mcp}\s+{scenario.V2[Mcp]}\s+{scenario.V1[Mcp]}\s+{scenario.V1Record}\s*$");
        dryRun.Output.Should().Contain("Dry run: nothing changed");
        (await ServiceStackParametersAsync()).Should().BeEquivalentTo(before);

        var unknown = await fixture.RunOnAwsAsync("Rollback", "--service", Mcp, "--to", "20200101T000000Z-0000");
        unknown.ExitCode.Should().NotBe(0);
        unknown.Output.Should().Contain("has no history record with that id").And.Contain(scenario.V1Record).And.Contain(scenario.V2Record);
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task Rollback_of_mcp_sets_its_stack_back_to_v1s_image_leaves_fastapi_alone_and_is_in_History()
    {
        var before = await ServiceStackParametersAsync();
        // HealthCheck goes through the local gateway: it serves mcp as built from v1's sources again, as AWS will after the rollback.
        File.WriteAllText(Path.Combine(Deployment.Copy.Root, McpSource), scenario.V1McpSource);
        (await Deployment.RunLocalAsync("Redeploy", "--service", Mcp)).ExitCode.Should().Be(0);

        var rollback = await fixture.RunOnAwsAsync("Rollback", "--service", Mcp);

        rollback.ExitCode.Should().Be(0, rollback.Describe());
        var after = await ServiceStackParametersAsync();
        after[Mcp][DeploymentNames.ImageTagParameter(Mcp)].Should().Be(scenario.V1[Mcp], rollback.Describe(120));
        after[FastApi].Should().BeEquivalentTo(before[FastApi], "a rollback of mcp leaves the fastapi stack alone");
        rollback.Output.Should().Contain($"{Mcp}: healthy, version {scenario.V1[Mcp]}");
        rollback.Output.Should().NotContain($"stack {fixture.ServiceStack(FastApi)}");
        scenario.RollbackRecord = RecordIdOf(rollback);

        var history = await fixture.RunOnAwsAsync("History");
        var rows = Rows(history);
        rows.Select(r => r.Id).Should().Equal(scenario.RollbackRecord, scenario.V2Record, scenario.V1Record, scenario.V0Record);
        rows[0].Line.Should().MatchRegex($@"Rollback to {scenario.V1Record}\s+succeeded\s+\S+\s+unknown\s+-\s+{scenario.V1[Mcp]}\s+{Mcp} completed \(.+\)$");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task A_rollback_to_a_record_whose_image_was_deleted_from_the_registry_fails_before_any_stack_changes()
    {
        var before = await ServiceStackParametersAsync();
        var stacksBefore = await fixture.StackAsync(fixture.ServiceStack(Mcp));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var name = DeploymentNames.Repository(Deployment.Environment, Mcp);
        var digest = await RegistryTestImage.DigestOfAsync(http, Requires.LocalRegistry, name, scenario.V2[Mcp]);
        digest.Should().NotBeNull();
        await RegistryTestImage.DeleteAsync(http, Requires.LocalRegistry, name, digest!);

        var rollback = await fixture.RunOnAwsAsync("Rollback", "--service", Mcp, "--to", scenario.V2Record!);

        rollback.ExitCode.Should().NotBe(0, rollback.Describe());
        rollback.Output.Should().Contain($"Rollback to {scenario.V2Record} refused; nothing was changed")
            .And.Contain($"{Mcp} {Requires.LocalRegistry}/{name}:{scenario.V2[Mcp]}");
        rollback.Output.Should().NotContain($"stack {fixture.ServiceStack(Mcp)}:");
        (await ServiceStackParametersAsync()).Should().BeEquivalentTo(before);
        (await fixture.StackAsync(fixture.ServiceStack(Mcp))).ChangeSetId.Should().Be(stacksBefore.ChangeSetId, "no change set ran");
        Rows(await fixture.RunOnAwsAsync("History")).First().Id.Should().Be(scenario.RollbackRecord, "a refused rollback changed nothing and records nothing");
    }

    async Task<string> ImageTagAsync(string service) =>
        (await fixture.StackAsync(fixture.ServiceStack(service))).Parameters[DeploymentNames.ImageTagParameter(service)];

    async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> ServiceStackParametersAsync()
    {
        var parameters = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        foreach (var service in new[] { FastApi, Mcp })
            parameters[service] = (await fixture.StackAsync(fixture.ServiceStack(service))).Parameters;
        return parameters;
    }

    static string RecordIdOf(BuildScriptRun run)
    {
        var match = RecordLine().Match(run.Output);
        match.Success.Should().BeTrue($"the run writes a history record:\n{run.Describe()}");
        return match.Groups["id"].Value;
    }

    static List<(string Id, string Line)> Rows(BuildScriptRun history) =>
        history.Output.Split('\n').Select(line => (Match: HistoryRow().Match(line), Line: line.TrimEnd()))
            .Where(x => x.Match.Success).Select(x => (x.Match.Groups["id"].Value, x.Line)).ToList();

    [GeneratedRegex(@"deploy history: \w+ succeeded, record (?<id>\d{8}T\d{6}Z-[0-9a-f]{4}) written to s3://")]
    private static partial Regex RecordLine();

    [GeneratedRegex(@"^\s*(?<id>\d{8}T\d{6}Z-[0-9a-f]{4})\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s")]
    private static partial Regex HistoryRow();
}
