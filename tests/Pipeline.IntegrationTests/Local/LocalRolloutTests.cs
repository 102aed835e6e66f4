using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Local;

namespace Pipeline.IntegrationTests.Local;

/// <summary>
/// Replacing a service (and the gateway) while clients call it through a real gateway: like ECS's rolling update,
/// no request may fail. Each test runs a bounded request loop (4 clients, at most 10,000 requests and 20 s).
/// </summary>
[Collection(LocalPlatformCollection.Name)]
public sealed class LocalRolloutTests(LocalPlatformFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    readonly RecordingStepLog log = new();

    static TestServicesFolder Web() => new(("web", [], new Dictionary<string, string>()));

    IReadOnlyList<ServiceImage> WebImage(TestServicesFolder services, string tag) => [new ServiceImage(services.Catalog["web"], LocalTestImage.Repository, tag)];

    async Task<(int GatewayPort, LocalServiceRunner Runner)> DeployWebAsync(TestServicesFolder services)
    {
        var gatewayPort = TestServicesFolder.FreePort();
        var runner = fixture.Runner(gatewayPort);
        await runner.EnsureRunningAsync(WebImage(services, fixture.FirstTag), services.Catalog, false, log, default);
        await fixture.Gateway.EnsureRunningAsync(services.Path, gatewayPort, false, log, default);
        return (gatewayPort, runner);
    }

    static Uri Through(int gatewayPort, string path) => new($"http://127.0.0.1:{gatewayPort}{path}");

    [LocalDockerFact]
    public async Task Two_replacements_under_a_request_loop_through_the_gateway_fail_no_request()
    {
        using var services = Web();
        var (gatewayPort, runner) = await DeployWebAsync(services);
        var loop = RequestLoop.Start(Through(gatewayPort, "/api/web/health"));
        await loop.WaitForSuccessesAsync(50);

        var replacing = loop.Elapsed;
        var second = await runner.EnsureRunningAsync(WebImage(services, fixture.SecondTag), services.Catalog, false, log, default);
        await loop.WaitForSuccessesAsync(50);
        var third = await runner.EnsureRunningAsync(WebImage(services, fixture.FirstTag), services.Catalog, false, log, default);
        var replaced = loop.Elapsed;
        await loop.WaitForSuccessesAsync(50);
        var result = await loop.StopAsync();
        var gap = result.LongestGapBetween(replacing, replaced);
        output.WriteLine($"{result}; during the replacements ({replacing.TotalSeconds:0.000} s to {replaced.TotalSeconds:0.000} s): longest gap {gap.Length.TotalSeconds:0.000} s");

        result.Failures.Should().Be(0, result.ToString());
        gap.Length.Should().BeLessThan(TimeSpan.FromSeconds(1), result.ToString());
        result.Requests.Should().BeGreaterThan(150).And.BeLessThanOrEqualTo(10_000);
        second.Single().Outcome.Should().Be(LocalServiceOutcome.Replaced);
        third.Single().Outcome.Should().Be(LocalServiceOutcome.Replaced);
        second.Single().DirectUrl.Port.Should().NotBe(services.Catalog["web"].Port);
        third.Single().DirectUrl.Port.Should().Be(services.Catalog["web"].Port);
        (await fixture.Routes(gatewayPort).ReadRoutesAsync(default))!["web"].Should().Be(new Uri($"http://127.0.0.1:{services.Catalog["web"].Port}/"));
        var status = await fixture.Status.ReadAsync(services.Catalog, default);
        status.Services.Single().ContainerId.Should().Be(third.Single().ContainerId);
        status.Services.Single().Healthy.Should().BeTrue();
        status.Services.Single().Replacing.Should().BeEmpty();
    }

    [LocalDockerFact]
    public async Task A_new_container_that_fails_under_a_request_loop_leaves_the_old_one_serving_and_the_route_unchanged()
    {
        using var services = Web();
        var (gatewayPort, runner) = await DeployWebAsync(services);
        var live = await fixture.Docker.Containers.InspectContainerAsync(fixture.Naming.ContainerName("web"));
        var routesBefore = await fixture.Routes(gatewayPort).ReadRoutesAsync(default);
        var broken = services.Catalog["web"] with { Environment = new Dictionary<string, string> { ["CRASH"] = "bad release" } };
        var loop = RequestLoop.Start(Through(gatewayPort, "/api/web/health"));
        await loop.WaitForSuccessesAsync(50);

        var deploy = () => runner.EnsureRunningAsync([new ServiceImage(broken, LocalTestImage.Repository, fixture.SecondTag)], services.Catalog, false, log, default);

        await deploy.Should().ThrowAsync<PipelineException>().WithMessage("*exited at start*boom: bad release*");
        await loop.WaitForSuccessesAsync(50);
        var result = await loop.StopAsync();
        output.WriteLine(result.ToString());
        result.Failures.Should().Be(0, result.ToString());
        (await fixture.Routes(gatewayPort).ReadRoutesAsync(default)).Should().BeEquivalentTo(routesBefore);
        (await fixture.Docker.Containers.InspectContainerAsync(fixture.Naming.ContainerName("web"))).ID.Should().Be(live.ID);
        (await ContainerNamesAsync()).Should().Equal(fixture.Naming.ContainerName("web"));
        log.Lines.Should().Contain(l => l.Contains("keeps serving") && l.Contains("gateway route is unchanged"));
    }

    [LocalDockerFact]
    public async Task A_replacement_interrupted_after_the_renames_is_settled_by_the_next_deploy_without_a_failed_request()
    {
        using var services = Web();
        var (gatewayPort, runner) = await DeployWebAsync(services);
        var routes = fixture.Routes(gatewayPort);
        // What an interrupted replacement leaves: the live name on the new container, the route still on the previous one.
        var leftover = await StartExtraContainerAsync(services, fixture.Naming.PreviousContainerName("web"));
        await routes.SwitchAsync("web", new Uri($"http://127.0.0.1:{leftover.Port}/"), default);
        var loop = RequestLoop.Start(Through(gatewayPort, "/api/web/health"));
        await loop.WaitForSuccessesAsync(50);

        var settled = await runner.EnsureRunningAsync(WebImage(services, fixture.FirstTag), services.Catalog, false, log, default);
        await loop.WaitForSuccessesAsync(50);
        var result = await loop.StopAsync();
        output.WriteLine(result.ToString());

        result.Failures.Should().Be(0, result.ToString());
        settled.Single().Outcome.Should().Be(LocalServiceOutcome.Unchanged);
        (await routes.ReadRoutesAsync(default))!["web"].Should().Be(new Uri($"http://127.0.0.1:{services.Catalog["web"].Port}/"));
        (await ContainerNamesAsync()).Should().Equal(fixture.Naming.ContainerName("web"));
    }

    [LocalDockerFact]
    public async Task Down_removes_every_container_of_the_environment_including_those_of_a_replacement_in_progress()
    {
        using var services = Web();
        var (gatewayPort, _) = await DeployWebAsync(services);
        await StartExtraContainerAsync(services, fixture.Naming.NextContainerName("web"));
        await StartExtraContainerAsync(services, fixture.Naming.PreviousContainerName("web"));
        var status = await fixture.Status.ReadAsync(services.Catalog, default);
        status.Services.Single().Replacing.Should().HaveCount(2);
        status.ToLines().Should().Contain(l => l.StartsWith("web: also " + fixture.Naming.NextContainerName("web")));

        var removed = await fixture.Teardown.DownAsync(dryRun: false, log, default);

        removed.Should().BeEquivalentTo(
            fixture.Naming.ContainerName("web"), fixture.Naming.NextContainerName("web"), fixture.Naming.PreviousContainerName("web"));
        (await ContainerNamesAsync()).Should().BeEmpty();
        ListeningPortHolder.Find(gatewayPort).Should().BeNull();
    }

    [LocalDockerFact]
    public async Task A_gateway_whose_code_changed_is_built_beside_the_running_one_and_replaced_without_a_failed_request()
    {
        using var services = Web();
        using var sources = GatewaySources.Copy();
        var gateway = new LocalGateway(sources.Root, fixture.ArtifactsDirectory);
        var gatewayPort = TestServicesFolder.FreePort();
        await fixture.Runner(gatewayPort).EnsureRunningAsync(WebImage(services, fixture.FirstTag), services.Catalog, false, log, default);
        await gateway.EnsureRunningAsync(services.Path, gatewayPort, false, log, default);
        var first = LocalGatewayRecord.Read(gateway.RecordPath)!;

        // A build that fails: the running gateway is never stopped.
        sources.Append("build/Pipeline.Gateway/GatewayApp.cs", "this does not compile");
        var duringBuild = RequestLoop.Start(Through(gatewayPort, "/api/web/health"), pause: TimeSpan.FromMilliseconds(20));
        await duringBuild.WaitForSuccessesAsync(20);
        var broken = () => gateway.EnsureRunningAsync(services.Path, gatewayPort, false, log, default);
        (await broken.Should().ThrowAsync<PipelineException>()).WithMessage($"*Building build/Pipeline.Gateway*failed*pid {first.ProcessId}*left serving*");
        var buildResult = await duringBuild.StopAsync();
        buildResult.Failures.Should().Be(0, buildResult.ToString());
        ProcessSignal.IsAlive(first.ProcessId).Should().BeTrue();
        LocalGatewayRecord.Read(gateway.RecordPath)!.ProcessId.Should().Be(first.ProcessId);

        // A change that builds (built first, as EnsureRunningAsync does), then the new process starts beside the old one on
        // the same port and the old one goes.
        sources.Replace("build/Pipeline.Gateway/GatewayApp.cs", "this does not compile", "// changed by a test");
        await gateway.BuildAsync(log, default);
        // Issued by the gateway about to be replaced: the replacement reads the same issuer key, so it must accept it.
        using var api = await fixture.ApiClientAsync(gatewayPort);
        var duringSwap = RequestLoop.Start(Through(gatewayPort, "/api/web/health"));
        await duringSwap.WaitForSuccessesAsync(50);
        var swapStarted = duringSwap.Elapsed;
        await gateway.EnsureRunningAsync(services.Path, gatewayPort, false, log, default);
        var swapEnded = duringSwap.Elapsed;
        await duringSwap.WaitForSuccessesAsync(50);
        var result = await duringSwap.StopAsync();
        output.WriteLine($"during the failed build: {buildResult}");
        output.WriteLine($"during the swap ({swapStarted.TotalSeconds:0.000} s to {swapEnded.TotalSeconds:0.000} s): {result}; " +
                         $"longest gap in the swap {result.LongestGapBetween(swapStarted, swapEnded).Length.TotalSeconds:0.000} s");
        output.WriteLine(string.Join("\n", log.Lines.Where(l => l.StartsWith("gateway:"))));

        var second = LocalGatewayRecord.Read(gateway.RecordPath)!;
        (await api.GetAsync(Through(gatewayPort, "/api/web/env"))).StatusCode.Should().Be(System.Net.HttpStatusCode.OK,
            "a token issued before the replacement is still accepted after it");
        second.ProcessId.Should().NotBe(first.ProcessId);
        second.DllPath.Should().NotBe(first.DllPath, "each build has a folder of its own");
        ProcessSignal.IsAlive(first.ProcessId).Should().BeFalse();
        Directory.Exists(Path.GetDirectoryName(first.DllPath)).Should().BeFalse("the old build is removed once nothing runs from it");
        log.Lines.Should().Contain(l => l.StartsWith($"gateway: replaced pid {first.ProcessId} by pid {second.ProcessId}"));
        result.Failures.Should().Be(0, result.ToString());
        // Measured 0.27-0.35 s here (2 cores shared by the build, both gateways and the clients): the new process's first
        // proxied requests are still being compiled. No request fails; a slow machine only stretches the gap.
        result.LongestGapBetween(swapStarted, swapEnded).Length.Should().BeLessThan(TimeSpan.FromSeconds(1),
            $"{result} (swap from {swapStarted.TotalSeconds:0.000} s to {swapEnded.TotalSeconds:0.000} s)");
    }

    [LocalDockerFact]
    public async Task The_gateway_record_keeps_the_admin_token_from_other_users_and_the_token_is_never_logged()
    {
        using var services = Web();
        var (gatewayPort, runner) = await DeployWebAsync(services);
        await runner.EnsureRunningAsync(WebImage(services, fixture.SecondTag), services.Catalog, false, log, default);

        var record = LocalGatewayRecord.Read(fixture.Gateway.RecordPath)!;
        record.AdminToken.Should().HaveLength(64);
        if (!OperatingSystem.IsWindows())
            File.GetUnixFileMode(fixture.Gateway.RecordPath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        ListeningPortHolder.ReadCommandLine(record.ProcessId).Should().NotContain(record.AdminToken);
        log.Text.Should().NotContain(record.AdminToken).And.Contain("gateway switched");
        record.ToString().Should().NotContain(record.AdminToken);
        using var http = new HttpClient();
        (await http.GetAsync(Through(gatewayPort, LocalGatewayRoutes.AdminRoutesPath))).StatusCode.Should().Be(System.Net.HttpStatusCode.Unauthorized);
    }

    /// <summary>Another container of web (labelled as the platform's) on a free port, as a replacement in progress leaves one.</summary>
    async Task<LocalContainerSpec> StartExtraContainerAsync(TestServicesFolder services, string name)
    {
        var spec = LocalContainerSpec.For(WebImage(services, fixture.FirstTag)[0], services.Catalog, fixture.Naming, fixture.NoGatewayPort, fixture.Gateway.Environment)
            .On(TestServicesFolder.FreePort(), name);
        var created = await fixture.Docker.Containers.CreateContainerAsync(spec.ToCreateParameters());
        await fixture.Docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        await Eventually.UntilAsync($"{name} to answer {spec.HealthUrl}",
            () => LocalHealthProbe.IsHealthyAsync(spec.HealthUrl, TimeSpan.FromSeconds(1), default), healthy => healthy, TimeSpan.FromSeconds(30),
            describe: _ => "not healthy");
        return spec;
    }

    async Task<IReadOnlyList<string>> ContainerNamesAsync()
    {
        var containers = await fixture.Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [fixture.Naming.PlatformFilter] = true } },
        });
        return containers.Select(c => c.Names[0].TrimStart('/')).Order().ToList();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DownAsync();
}
