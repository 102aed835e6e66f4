using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// The AWS chain through <c>./build.sh --profile dev</c> against moto, with images in the local registry and HealthCheck
/// through the local gateway of the same copy (same sources, so the same content tags): a full Deploy, a no-op Deploy,
/// a Redeploy of one service, and no secret in any output.
/// </summary>
[Collection(EndToEndCollection.Name)]
[TestCaseOrderer(ScenarioOrderer.TypeName, ScenarioOrderer.AssemblyName)]
public sealed class AwsPlatformEndToEndTests(AwsDeploymentFixture fixture) : IClassFixture<AwsDeploymentFixture>
{
    const string FastApi = "fastapi";
    const string Mcp = "mcp";

    IsolatedDeployment Deployment => fixture.Deployment;

    [EndToEndFact(NeedsMoto = true)]
    public async Task Deploy_creates_the_shared_stack_and_a_stack_per_service_with_the_content_tags_the_local_gateway_serves()
    {
        var deploy = await fixture.DeployedOnAwsAsync();

        (await fixture.StackAsync(fixture.RegistryStack)).Status.Should().Be("CREATE_COMPLETE");
        (await fixture.StackAsync(fixture.SharedStack)).Status.Should().Be("CREATE_COMPLETE");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        foreach (var service in new[] { FastApi, Mcp })
        {
            var stack = await fixture.StackAsync(fixture.ServiceStack(service));
            stack.Status.Should().Be("CREATE_COMPLETE");
            var served = await Deployment.ServedVersionAsync(http, service);
            stack.Parameters[DeploymentNames.ImageTagParameter(service)].Should().Be(served);
            deploy.Output.Should().Contain($"{service}: healthy, version {served}");
            deploy.Output.Should().Contain($"{Requires.LocalRegistry}/{DeploymentNames.Repository(Deployment.Environment, service)}:{served}");
        }
        deploy.Output.Should().Contain($"Deployed environment {Deployment.Environment}");
        // moto has no service-deployments API: the rollout is followed to its end by the steady-state wait, said once.
        deploy.Output.Split('\n').Where(l => l.Contains("does not offer ListServiceDeployments", StringComparison.Ordinal))
            .Should().ContainSingle(deploy.Describe()).Which.Should().Contain("could not be followed; waiting for steady state instead");
        // The dev profile subscribes nobody to the alarm topic: one warning line says so.
        deploy.Output.Split('\n').Where(l => l.Contains($"warning: alarms of {Deployment.Environment} notify nobody", StringComparison.Ordinal))
            .Should().ContainSingle(deploy.Describe()).Which.Should().Contain("set AlarmEmail");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task A_second_deploy_calls_CloudFormation_for_no_stack_and_builds_or_pushes_nothing()
    {
        await fixture.DeployedOnAwsAsync();
        var before = await ServiceStackParametersAsync();

        var again = await fixture.RunOnAwsAsync("Deploy");

        again.ExitCode.Should().Be(0, again.Describe());
        foreach (var stack in new[] { fixture.RegistryStack, fixture.SharedStack, fixture.ServiceStack(FastApi), fixture.ServiceStack(Mcp) })
            again.Output.Should().Contain($"stack {stack}: template and parameters as deployed; skipped without a CloudFormation call", again.Describe());
        foreach (var service in new[] { FastApi, Mcp })
        {
            again.Output.Should().MatchRegex($@"{service}: .*; not rebuilt", again.Describe());
            again.Output.Should().MatchRegex($@"{service}: .*; not pushed", again.Describe());
        }
        again.Summary.Should().NotContain("building ").And.NotContain("pushing ");
        (await ServiceStackParametersAsync()).Should().BeEquivalentTo(before);
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task Redeploy_of_mcp_changes_only_the_mcp_stack()
    {
        await fixture.DeployedOnAwsAsync();
        var before = await ServiceStackParametersAsync();
        Deployment.Copy.AppendLine("services/mcp/Program.cs", $"// changed by the end-to-end test {Guid.NewGuid():N}");
        // The local gateway is HealthCheck's target, so it serves the new mcp first, exactly as built from the same sources.
        var local = await Deployment.RunLocalAsync("Redeploy", "--service", Mcp);
        local.ExitCode.Should().Be(0, local.Describe());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var newMcpTag = await Deployment.ServedVersionAsync(http, Mcp);

        var redeploy = await fixture.RunOnAwsAsync("Redeploy", "--service", Mcp);

        redeploy.ExitCode.Should().Be(0, redeploy.Describe());
        var after = await ServiceStackParametersAsync();
        before[Mcp][DeploymentNames.ImageTagParameter(Mcp)].Should().NotBe(newMcpTag);
        after[Mcp][DeploymentNames.ImageTagParameter(Mcp)].Should().Be(newMcpTag);
        after[FastApi].Should().BeEquivalentTo(before[FastApi], "a redeploy of mcp leaves the fastapi stack alone");
        redeploy.Output.Should().NotContain($"stack {fixture.ServiceStack(FastApi)}");
        redeploy.Summary.Should().NotMatchRegex(@"(?m)^\s+fastapi: ", "only --service mcp is built, pushed and checked");
        redeploy.Output.Should().Contain($"mcp: healthy, version {newMcpTag}");
        redeploy.Output.Split('\n').Where(l => l.Contains("does not offer ListServiceDeployments", StringComparison.Ordinal)).Should().ContainSingle(redeploy.Describe());
        redeploy.Output.Should().MatchRegex(@"(?m)steady \(\d+/\d+ running", "the rollout is followed to its end by the steady-state wait");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task A_deploy_after_a_one_line_change_to_fastapi_updates_only_the_fastapi_stack()
    {
        await fixture.DeployedOnAwsAsync();
        var before = await ServiceStackParametersAsync();
        Deployment.Copy.AppendLine("services/fastapi/app/main.py", $"# changed by the end-to-end test {Guid.NewGuid():N}");
        var local = await Deployment.RunLocalAsync("Redeploy", "--service", FastApi);
        local.ExitCode.Should().Be(0, local.Describe());

        var deploy = await fixture.RunOnAwsAsync("Deploy");

        deploy.ExitCode.Should().Be(0, deploy.Describe());
        deploy.Output.Should().MatchRegex($@"(?m)^\s*{fixture.ServiceStack(FastApi)}\s+updated\b", deploy.Describe());
        foreach (var unchanged in new[] { fixture.RegistryStack, fixture.SharedStack, fixture.ServiceStack(Mcp) })
            deploy.Output.Should().MatchRegex($@"(?m)^\s*{unchanged}\s+unchanged \(skipped\)", deploy.Describe());
        var after = await ServiceStackParametersAsync();
        after[Mcp].Should().BeEquivalentTo(before[Mcp]);
        after[FastApi][DeploymentNames.ImageTagParameter(FastApi)].Should().NotBe(before[FastApi][DeploymentNames.ImageTagParameter(FastApi)]);
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task An_environment_deployed_with_the_single_app_stack_layout_is_refused_with_the_commands_to_move_it()
    {
        await fixture.DeployedOnAwsAsync();
        var legacy = DeploymentNames.AppStack(Deployment.Environment);
        await new Pipeline.Build.Aws.StackDeployer(fixture.CloudFormation).DeployAsync(
            new Pipeline.Build.Aws.StackDeployRequest(legacy, LegacyTemplate(), new Dictionary<string, string>(), new Dictionary<string, string>()),
            false, new RecordingStepLog(), default);
        try
        {
            var deploy = await fixture.RunOnAwsAsync("Deploy");

            deploy.ExitCode.Should().NotBe(0, deploy.Describe());
            deploy.Output.Should().Contain($"was deployed with the earlier layout: everything in stack {legacy}")
                .And.Contain($"aws cloudformation delete-stack --stack-name {legacy}").And.Contain("Nothing was changed");
            deploy.Output.Should().NotContain("Unhandled exception");
        }
        finally
        {
            await fixture.CloudFormation.DeleteStackAsync(legacy, default);
        }
    }

    static string LegacyTemplate()
    {
        var path = Path.Combine(Path.GetTempPath(), $"legacy-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"Resources":{"Marker":{"Type":"AWS::SSM::Parameter","Properties":{"Type":"String","Name":{"Fn::Sub":"/${AWS::StackName}/marker"},"Value":"old layout"}}}}""");
        return path;
    }

    async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> ServiceStackParametersAsync()
    {
        var parameters = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        foreach (var service in new[] { FastApi, Mcp })
            parameters[service] = (await fixture.StackAsync(fixture.ServiceStack(service))).Parameters;
        return parameters;
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task The_secret_key_appears_in_no_output_of_any_run()
    {
        await fixture.DeployedOnAwsAsync();

        var runs = fixture.AwsRuns;

        runs.Should().Contain(r => r.Arguments[0] == "Deploy" && r.ExitCode == 0, "a full deploy ran with the secret key");
        foreach (var run in runs)
        {
            run.Output.Should().NotContain(fixture.SecretKey, run.CommandLine);
            run.Output.Should().NotContain(Uri.EscapeDataString(fixture.SecretKey), run.CommandLine);
            run.Output.Should().NotContain(fixture.SecretKey.Split('/')[2], $"not even a part of the key: {run.CommandLine}");
        }
    }
}
