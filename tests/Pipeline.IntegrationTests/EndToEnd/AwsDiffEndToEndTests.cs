using System.Text.RegularExpressions;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// <c>./build.sh Diff --profile dev</c> against an environment deployed to moto: nothing to change after a Deploy (and
/// <c>--fail-on-change</c> passes), a change to mcp shows its image tag old → new (and fails the gate), a security group
/// widened in the mcp template is flagged; and Diff leaves no change set and no stack behind.
/// </summary>
[Collection(EndToEndCollection.Name)]
[TestCaseOrderer(ScenarioOrderer.TypeName, ScenarioOrderer.AssemblyName)]
public sealed class AwsDiffEndToEndTests(AwsDeploymentFixture fixture) : IClassFixture<AwsDeploymentFixture>
{
    const string Mcp = "mcp";

    IsolatedDeployment Deployment => fixture.Deployment;

    IReadOnlyList<string> Stacks => [fixture.RegistryStack, fixture.SharedStack, fixture.ServiceStack("fastapi"), fixture.ServiceStack(Mcp)];

    [EndToEndFact(NeedsMoto = true)]
    public async Task After_a_deploy_Diff_finds_no_change_and_the_fail_on_change_gate_passes()
    {
        await fixture.DeployedOnAwsAsync();
        var before = await StateAsync();

        var diff = await fixture.RunOnAwsAsync("Diff", "--fail-on-change");

        diff.ExitCode.Should().Be(0, diff.Describe());
        foreach (var stack in Stacks)
            diff.Output.Should().Contain($"{stack}: no changes", diff.Describe());
        diff.Output.Should().Contain("No changes: every stack (4) is as a Deploy would leave it.").And.Contain("No change widens access.");
        (await StateAsync()).Should().BeEquivalentTo(before, "Diff creates no change set and no stack");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task After_a_change_to_mcp_Diff_shows_its_image_tag_old_to_new_and_the_gate_fails()
    {
        await fixture.DeployedOnAwsAsync();
        var oldTag = (await fixture.StackAsync(fixture.ServiceStack(Mcp))).Parameters[DeploymentNames.ImageTagParameter(Mcp)];
        Deployment.Copy.AppendLine("services/mcp/Program.cs", $"// changed by the Diff end-to-end test {Guid.NewGuid():N}");
        var before = await StateAsync();

        var diff = await fixture.RunOnAwsAsync("Diff");
        var gate = await fixture.RunOnAwsAsync("Diff", "--fail-on-change");

        diff.ExitCode.Should().Be(0, "without --fail-on-change Diff reports and passes:\n" + diff.Describe());
        var stack = fixture.ServiceStack(Mcp);
        var change = Regex.Match(diff.Output, $@"{stack}:   \[~\] ImageTagMcp: {oldTag} \(commit unknown\) → (?<new>[0-9a-f]{{16}}) \(commit unknown\)");
        change.Success.Should().BeTrue($"the mcp section names the deployed tag {oldTag} and the new one:\n{diff.Describe()}");
        var newTag = change.Groups["new"].Value;
        newTag.Should().NotBe(oldTag);
        diff.Output.Should().MatchRegex($@"{stack}: 2 to modify \(1 replaced\), parameters: ImageTagMcp {oldTag} → {newTag} \(commit unknown\)");
        diff.Output.Should().MatchRegex($@"{stack}:   \[~\] AWS::ECS::TaskDefinition \w+ \[replacement\]");
        foreach (var unchanged in Stacks.Where(s => s != stack))
            diff.Output.Should().Contain($"{unchanged}: no changes");
        diff.Output.Should().Contain("1 stack would change: 0 to create, 1 to update (4 planned).");

        gate.ExitCode.Should().Be(1, gate.Describe());
        gate.Output.Should().Contain($"--fail-on-change: a Deploy would change 1 stack of {Deployment.Environment}");
        (await StateAsync()).Should().BeEquivalentTo(before, "Diff creates no change set and no stack");
        (await fixture.StackAsync(stack)).Parameters[DeploymentNames.ImageTagParameter(Mcp)].Should().Be(oldTag, "Diff deploys nothing");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task As_markdown_Diff_prints_the_same_and_appends_it_to_the_job_summary()
    {
        await fixture.DeployedOnAwsAsync();
        var summary = Path.Combine(Deployment.Copy.Root, "artifacts", "step-summary.md");

        var diff = await RunWithAsync(new Dictionary<string, string> { ["GITHUB_STEP_SUMMARY"] = summary }, "Diff", "--format", "markdown");

        diff.ExitCode.Should().Be(0, diff.Describe());
        diff.Output.Should().Contain($"## Diff of environment {Deployment.Environment} (us-east-1): what `./build.sh Deploy` would change");
        diff.Output.Should().Contain($"| {fixture.ServiceStack("fastapi")} | no changes |");
        diff.Output.Should().Contain($"### {fixture.ServiceStack(Mcp)}");
        File.ReadAllText(summary).Should().Contain($"### {fixture.ServiceStack(Mcp)}").And.Contain("```text");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task A_security_group_widened_in_the_mcp_template_is_flagged()
    {
        await fixture.DeployedOnAwsAsync();
        WidenMcpTaskSecurityGroup();
        var before = await StateAsync();

        var diff = await fixture.RunOnAwsAsync("Diff");

        diff.ExitCode.Should().Be(0, diff.Describe());
        var stack = fixture.ServiceStack(Mcp);
        var port = Deployment.Catalog[Mcp].Port;
        diff.Output.Should().MatchRegex($@"{stack}:   \[~\] AWS::EC2::SecurityGroup McpServiceSecurityGroup\w+\r?\n\s*{stack}:       └─ SecurityGroupIngress: \(absent\) → .*10\.0\.0\.0/8", diff.Describe());
        diff.Output.Should().MatchRegex($@"{stack}: Widens access:\r?\n\s*{stack}:   ⚠ McpServiceSecurityGroup\w+ \(AWS::EC2::SecurityGroup\): adds ingress from 10\.0\.0\.0/8 on tcp {port}");
        diff.Output.Should().Contain("⚠ 1 change widens access");
        diff.Output.Should().NotContain($"{fixture.ServiceStack("fastapi")}: Widens access:", "only the mcp template changed");
        (await StateAsync()).Should().BeEquivalentTo(before, "Diff creates no change set and no stack");
    }

    [EndToEndFact(NeedsMoto = true)]
    public void No_Diff_run_printed_the_secret_key()
    {
        foreach (var run in fixture.AwsRuns.Where(r => r.Arguments[0] == "Diff"))
            run.Output.Should().NotContain(fixture.SecretKey, run.CommandLine);
    }

    /// <summary>mcp's tasks accept its port from the whole 10/8 range: a wider ingress in the mcp template only.</summary>
    void WidenMcpTaskSecurityGroup()
    {
        var path = Path.Combine(Deployment.Copy.Root, "infra", "ServiceFargate.cs");
        const string anchor = "        FargateService = new FargateService(this, \"Service\", new FargateServiceProps";
        var source = File.ReadAllText(path);
        source.Should().Contain(anchor, "the test widens the task security group just before the Fargate service is declared");
        File.WriteAllText(path, source.Replace(anchor,
            "        if (service.Name == \"mcp\")\n" +
            "            SecurityGroup.AddIngressRule(Amazon.CDK.AWS.EC2.Peer.Ipv4(\"10.0.0.0/8\"), Amazon.CDK.AWS.EC2.Port.Tcp(service.Port), \"widened by the Diff end-to-end test\");\n" +
            anchor, StringComparison.Ordinal));
    }

    /// <summary>Every stack of the account with its status, and every change set of the environment's stacks.</summary>
    async Task<IReadOnlyList<string>> StateAsync()
    {
        var cloudFormation = fixture.CloudFormation;
        var stacks = await cloudFormation.DescribeAllStacksAsync(default);
        var state = stacks.Values.Select(s => $"stack {s.StackName} {s.Status}").ToList();
        foreach (var stack in Stacks.Where(stacks.ContainsKey))
            state.AddRange((await cloudFormation.ListChangeSetsAsync(stack, default)).Select(c => $"change set {stack}/{c.Name} {c.ExecutionStatus}"));
        return state;
    }

    /// <summary>As <see cref="AwsDeploymentFixture.RunOnAwsAsync"/>, with more environment variables.</summary>
    Task<BuildScriptRun> RunWithAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        Deployment.RunAsync(
            [.. arguments, "--profile", "dev", "--deploy-environment", Deployment.Environment, "--registry", Infrastructure.Requires.LocalRegistry],
            new Dictionary<string, string>(environment)
            {
                ["AWS_ENDPOINT_URL"] = fixture.CloudFormation.Endpoint.ToString().TrimEnd('/'),
                ["AWS_ACCESS_KEY_ID"] = MotoServer.AccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = fixture.SecretKey,
                ["AWS_REGION"] = MotoServer.Region,
            });
}
