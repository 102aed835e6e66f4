using Pipeline.IntegrationTests.Local;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// A local Deploy killed with <c>kill -9</c> (its whole process group: nothing of it gets to clean up) at the worst moments,
/// then the same Deploy again with no manual step: it converges, and nothing of the killed run is left behind.
/// </summary>
[Collection(EndToEndCollection.Name)]
[TestCaseOrderer(ScenarioOrderer.TypeName, ScenarioOrderer.AssemblyName)]
public sealed class LocalCrashRecoveryTests(LocalDeploymentFixture fixture) : IClassFixture<LocalDeploymentFixture>
{
    const string FastApi = "fastapi";

    IsolatedDeployment Deployment => fixture.Deployment;

    string NextContainer => $"apigw-{Deployment.Environment}-{FastApi}-next";

    [EndToEndFact]
    public async Task A_Deploy_killed_while_it_replaces_a_container_is_converged_by_the_next_Deploy_and_no_request_is_lost()
    {
        await fixture.DeployedAsync();
        var gatewayBefore = Deployment.GatewayProcessIds();
        Deployment.Copy.AppendLine("services/fastapi/app/main.py", $"# crash recovery {Guid.NewGuid():N}");
        var loop = RequestLoop.Start(new Uri(Deployment.GatewayUrl, "api/fastapi/health"), clients: 2, maxRequests: 50_000,
            maxDuration: TimeSpan.FromMinutes(5), pause: TimeSpan.FromMilliseconds(20));

        var killed = await Deployment.RunLocalAndKillAsync(async () => (await Deployment.ContainerNamesAsync()).Contains(NextContainer), "Deploy");
        var leftByTheKill = await Deployment.ContainerNamesAsync();
        await loop.WaitForSuccessesAsync(20);
        var next = await Deployment.RunLocalAsync("Deploy");
        await loop.WaitForSuccessesAsync(20);
        var requests = await loop.StopAsync();

        killed.ExitCode.Should().Be(137, killed.Describe());
        leftByTheKill.Should().Contain(NextContainer, "the kill came while the new container was starting beside the old one");
        next.ExitCode.Should().Be(0, next.Describe());
        next.Output.Should().Contain($"{FastApi}: removing {NextContainer} left by an interrupted deploy");
        (await Deployment.ContainerNamesAsync()).Should().Equal(
            Deployment.Copy.ServiceNames().Select(s => $"apigw-{Deployment.Environment}-{s}").Order(),
            "only the live containers remain: no -next, no -previous");
        Deployment.GatewayProcessIds().Should().Equal(gatewayBefore, "the gateway did not change, so the same one process serves");
        requests.Failures.Should().Be(0, $"the old container served until the new one was healthy and routed: {requests}");
        var again = await Deployment.RunLocalAsync("Deploy");
        again.ExitCode.Should().Be(0, again.Describe());
        again.Output.Should().MatchRegex($@"{FastApi}: unchanged \(", "the Deploy after the converging one has nothing left to do");
    }

    [EndToEndFact]
    public async Task A_Deploy_killed_while_a_new_gateway_starts_beside_the_old_one_leaves_one_gateway_after_the_next_Deploy()
    {
        await fixture.DeployedAsync();
        var oldGateway = Deployment.GatewayRecord!.ProcessId;
        Deployment.Copy.AppendLine("build/Pipeline.Gateway/Program.cs", $"// crash recovery {Guid.NewGuid():N}");

        var killed = await Deployment.RunLocalAndKillAsync(() => Task.FromResult(Deployment.GatewayProcessIds().Count > 1), "Deploy");
        var leftByTheKill = Deployment.GatewayProcessIds();
        var recordedAtTheKill = Deployment.GatewayRecord!.ProcessId;
        var next = await Deployment.RunLocalAsync("Deploy");

        killed.ExitCode.Should().Be(137, killed.Describe());
        leftByTheKill.Should().HaveCount(2, "the kill came while the new gateway listened beside the old one");
        next.ExitCode.Should().Be(0, next.Describe());
        // Usually the new one, still starting; the old one if the kill came after the new one was recorded.
        var unrecorded = leftByTheKill.Where(pid => pid != recordedAtTheKill).Single();
        next.Output.Should().Contain($"gateway: stopping pid {unrecorded}, a gateway of environment {Deployment.Environment} left by an interrupted run");
        var gateway = Deployment.GatewayRecord!.ProcessId;
        Deployment.GatewayProcessIds().Should().Equal([gateway], "one gateway serves the environment, the one gateway.json names");
        gateway.Should().NotBe(oldGateway, "the gateway's code changed, so the next Deploy replaced it");

        var down = await Deployment.RunLocalAsync("Down");

        down.ExitCode.Should().Be(0, down.Describe());
        Deployment.GatewayProcessIds().Should().BeEmpty("Down stops every gateway of the environment");
        (await Deployment.ContainerNamesAsync()).Should().BeEmpty();
    }

    [EndToEndFact]
    public async Task Down_stops_a_gateway_an_interrupted_run_never_recorded()
    {
        await fixture.DeployedAsync();
        var deploy = await Deployment.RunLocalAsync("Deploy");
        deploy.ExitCode.Should().Be(0, deploy.Describe());
        Deployment.Copy.AppendLine("build/Pipeline.Gateway/Program.cs", $"// crash recovery {Guid.NewGuid():N}");
        var killed = await Deployment.RunLocalAndKillAsync(() => Task.FromResult(Deployment.GatewayProcessIds().Count > 1), "Deploy");
        killed.ExitCode.Should().Be(137, killed.Describe());

        var down = await Deployment.RunLocalAsync("Down");

        down.ExitCode.Should().Be(0, down.Describe());
        down.Output.Should().Contain("left by an interrupted run");
        Deployment.GatewayProcessIds().Should().BeEmpty("Down stops the recorded gateway and the one the killed run started");
    }
}
