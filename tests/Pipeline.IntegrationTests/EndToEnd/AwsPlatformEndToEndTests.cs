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
    public async Task Deploy_creates_both_stacks_with_the_content_tags_the_local_gateway_serves()
    {
        var deploy = await fixture.DeployedOnAwsAsync();

        (await fixture.StackAsync(fixture.RegistryStack)).Status.Should().Be("CREATE_COMPLETE");
        var app = await fixture.StackAsync(fixture.AppStack);
        app.Status.Should().Be("CREATE_COMPLETE");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        foreach (var service in new[] { FastApi, Mcp })
        {
            var served = await Deployment.ServedVersionAsync(http, service);
            app.Parameters[DeploymentNames.ImageTagParameter(service)].Should().Be(served);
            deploy.Output.Should().Contain($"{service}: healthy, version {served}");
            deploy.Output.Should().Contain($"{Requires.LocalRegistry}/{DeploymentNames.Repository(Deployment.Environment, service)}:{served}");
        }
        deploy.Output.Should().Contain($"Deployed environment {Deployment.Environment}");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task A_second_deploy_changes_no_stack_and_builds_or_pushes_nothing()
    {
        await fixture.DeployedOnAwsAsync();
        var parametersBefore = (await fixture.StackAsync(fixture.AppStack)).Parameters;

        var again = await fixture.RunOnAwsAsync("Deploy");

        again.ExitCode.Should().Be(0, again.Describe());
        again.Output.Should().Contain($"stack {fixture.RegistryStack}: no changes").And.Contain($"stack {fixture.AppStack}: no changes");
        foreach (var service in new[] { FastApi, Mcp })
        {
            again.Output.Should().MatchRegex($@"{service}: .*; not rebuilt", again.Describe());
            again.Output.Should().MatchRegex($@"{service}: .*; not pushed", again.Describe());
        }
        again.Summary.Should().NotContain("building ").And.NotContain("pushing ");
        (await fixture.StackAsync(fixture.AppStack)).Parameters.Should().BeEquivalentTo(parametersBefore);
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task Redeploy_of_mcp_changes_only_its_image_tag_parameter()
    {
        await fixture.DeployedOnAwsAsync();
        var before = (await fixture.StackAsync(fixture.AppStack)).Parameters;
        Deployment.Copy.AppendLine("services/mcp/Program.cs", $"// changed by the end-to-end test {Guid.NewGuid():N}");
        // The local gateway is HealthCheck's target, so it serves the new mcp first, exactly as built from the same sources.
        var local = await Deployment.RunLocalAsync("Redeploy", "--service", Mcp);
        local.ExitCode.Should().Be(0, local.Describe());
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var newMcpTag = await Deployment.ServedVersionAsync(http, Mcp);

        var redeploy = await fixture.RunOnAwsAsync("Redeploy", "--service", Mcp);

        redeploy.ExitCode.Should().Be(0, redeploy.Describe());
        var after = (await fixture.StackAsync(fixture.AppStack)).Parameters;
        var mcpParameter = DeploymentNames.ImageTagParameter(Mcp);
        before[mcpParameter].Should().NotBe(newMcpTag);
        after[mcpParameter].Should().Be(newMcpTag);
        after.Where(p => p.Key != mcpParameter).Should().BeEquivalentTo(before.Where(p => p.Key != mcpParameter),
            "a redeploy of mcp keeps every other parameter, fastapi's image tag included");
        redeploy.Summary.Should().NotMatchRegex(@"(?m)^\s+fastapi: ", "only --service mcp is built, pushed and checked");
        redeploy.Output.Should().Contain($"mcp: healthy, version {newMcpTag}");
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
