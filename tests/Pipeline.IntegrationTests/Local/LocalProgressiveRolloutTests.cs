using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Local;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Local;

/// <summary>
/// Canary and linear rollouts through a real gateway, with a bounded request loop (4 clients, at most 10,000 requests and
/// 40 s) on a route the test service serves from a file: a good version takes the traffic step by step without a failed
/// request; a version that fails one request in five is rolled back during the canary, and what failed stays within the
/// canary's share.
/// </summary>
[Collection(LocalPlatformCollection.Name)]
public sealed class LocalProgressiveRolloutTests(LocalPlatformFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>A strategy minute in these tests: long enough for a judgement under the loop, short enough for CI.</summary>
    static readonly TimeSpan Minute = TimeSpan.FromMilliseconds(500);

    readonly RecordingStepLog log = new();

    static TestServicesFolder Web() => new TestServicesFolder(("web", [], new Dictionary<string, string>())).With("web", "publicPaths", new[] { "/env" });

    static RolloutStrategy Canary => new() { Strategy = "canary", CanaryPercent = 10, CanaryBakeTimeMinutes = 4, BakeTimeMinutes = 2 };

    LocalServiceRunner Runner(int gatewayPort, RolloutStrategy strategy) =>
        new(fixture.Docker, fixture.Routes(gatewayPort), fixture.Naming, TimeSpan.FromSeconds(60), rollout: _ => strategy, localMinute: Minute);

    async Task<int> DeployWebAsync(TestServicesFolder services)
    {
        var gatewayPort = TestServicesFolder.FreePort();
        await fixture.Runner(gatewayPort).EnsureRunningAsync(Image(services, services.Catalog["web"]), services.Catalog, false, log, default);
        await fixture.Gateway.EnsureRunningAsync(services.Path, gatewayPort, false, log, default);
        return gatewayPort;
    }

    IReadOnlyList<ServiceImage> Image(TestServicesFolder services, ServiceManifest web, string? tag = null) =>
        [new ServiceImage(web, LocalTestImage.Repository, tag ?? fixture.FirstTag)];

    /// <summary>The first version deployed behind a gateway, the id of its container, and a request loop it already answers.</summary>
    async Task<(int GatewayPort, string ServingId, RequestLoop Loop)> ServeUnderLoadAsync(TestServicesFolder services)
    {
        var gatewayPort = await DeployWebAsync(services);
        var serving = await fixture.Docker.Containers.InspectContainerAsync(fixture.Naming.ContainerName("web"));
        var loop = RequestLoop.Start(new Uri($"http://127.0.0.1:{gatewayPort}/api/web/env"), maxDuration: TimeSpan.FromSeconds(40));
        await loop.WaitForSuccessesAsync(50);
        return (gatewayPort, serving.ID, loop);
    }

    [LocalDockerFact]
    public async Task A_good_version_takes_the_traffic_step_by_step_and_no_request_fails()
    {
        using var services = Web();
        var (gatewayPort, _, loop) = await ServeUnderLoadAsync(services);

        var linear = new RolloutStrategy { Strategy = "linear", LinearStepPercent = 25, LinearStepBakeTimeMinutes = 2, BakeTimeMinutes = 2 };
        var rollout = Runner(gatewayPort, linear).EnsureRunningAsync(Image(services, services.Catalog["web"], fixture.SecondTag), services.Catalog, false, log, default);
        await Eventually.UntilAsync("the second linear step", () => log.Lines.Any(l => l.Contains("linear step 2/4")), found => found, TimeSpan.FromSeconds(60));
        var during = await fixture.Status.ReadAsync(services.Catalog, default);
        var result = await rollout;
        await loop.WaitForSuccessesAsync(50);
        var requests = await loop.StopAsync();
        output.WriteLine(requests.ToString());
        output.WriteLine(string.Join("\n", log.Lines));

        requests.Failures.Should().Be(0, requests.ToString());
        result.Single().Outcome.Should().Be(LocalServiceOutcome.Replaced);
        during.Services.Single().Shift!.Percent.Should().BeGreaterThanOrEqualTo(50);
        during.ToLines().Should().Contain(l => l.StartsWith("web: the new version at 127.0.0.1:") && l.Contains("of requests (a rollout in progress)"));
        log.Lines.Should().ContainInOrder(
            log.Lines.First(l => l.Contains("linear step 1/4: 25 % of requests")),
            log.Lines.First(l => l.Contains("linear step 2/4: 50 %")),
            log.Lines.First(l => l.Contains("linear step 3/4: 75 %")),
            log.Lines.First(l => l.Contains("linear step 4/4: 100 %")),
            log.Lines.First(l => l.Contains("bake: all requests on the new version")),
            log.Lines.First(l => l.Contains("the new version passed: new version")));
        var routes = await fixture.Routes(gatewayPort).ReadRoutesAsync(default);
        routes!["web"].Should().Be(result.Single().DirectUrl);
        (await fixture.Routes(gatewayPort).ReadShiftAsync("web", default)).Should().BeNull();
        (await fixture.Status.ReadAsync(services.Catalog, default)).Services.Single().Replacing.Should().BeEmpty();
    }

    [LocalDockerFact]
    public async Task A_version_that_fails_one_request_in_five_is_rolled_back_during_the_canary_and_its_failures_stay_within_the_canary_share()
    {
        using var services = Web();
        var (gatewayPort, serving, loop) = await ServeUnderLoadAsync(services);
        var routesBefore = await fixture.Routes(gatewayPort).ReadRoutesAsync(default);

        var bad = services.Catalog["web"] with { Environment = new Dictionary<string, string> { ["FAIL_EVERY"] = "5" } };
        var started = loop.Elapsed;
        var deploy = () => Runner(gatewayPort, Canary).EnsureRunningAsync(Image(services, bad, fixture.SecondTag), services.Catalog, false, log, default);

        var failure = (await deploy.Should().ThrowAsync<PipelineException>()).Which;
        var ended = loop.Elapsed;
        await loop.WaitForSuccessesAsync(100);
        var requests = await loop.StopAsync();
        var during = requests.SuccessTimes.Count(t => t >= started && t <= ended) + requests.Failures;
        output.WriteLine(failure.Message);
        output.WriteLine($"{requests}; {during} requests during the rollout");

        failure.Message.Should().Contain("rolled back during the canary").And.Contain("fail with 5xx").And.Contain("injected failure");
        log.Lines.Should().NotContain(l => l.Contains("after the canary"), "the canary never reached its second step");
        requests.Failures.Should().BeGreaterThanOrEqualTo(RolloutThresholds.MinimumFailures);
        requests.Failures.Should().BeLessThanOrEqualTo((int)Math.Ceiling(during * Canary.CanaryPercent / 100), "only the canary's share ever reached the bad version");
        (await fixture.Routes(gatewayPort).ReadRoutesAsync(default)).Should().BeEquivalentTo(routesBefore);
        (await fixture.Routes(gatewayPort).ReadShiftAsync("web", default)).Should().BeNull();
        var status = await fixture.Status.ReadAsync(services.Catalog, default);
        status.Services.Single().ContainerId.Should().Be(serving);
        status.Services.Single().Replacing.Should().BeEmpty();
    }

    [LocalDockerFact]
    public async Task A_canary_interrupted_by_the_user_sends_everything_back_and_removes_the_new_container()
    {
        using var services = Web();
        var (gatewayPort, serving, loop) = await ServeUnderLoadAsync(services);
        using var interrupt = new CancellationTokenSource();

        var deploy = Runner(gatewayPort, Canary).EnsureRunningAsync(Image(services, services.Catalog["web"], fixture.SecondTag), services.Catalog, false, log, interrupt.Token);
        await Eventually.UntilAsync("the canary to start", () => log.Lines.Any(l => l.Contains("canary: 10 %")), found => found, TimeSpan.FromSeconds(60));
        await interrupt.CancelAsync();

        await ((Func<Task>)(() => deploy)).Should().ThrowAsync<OperationCanceledException>();
        await loop.WaitForSuccessesAsync(50);
        var requests = await loop.StopAsync();
        output.WriteLine(requests.ToString());

        requests.Failures.Should().Be(0, requests.ToString());
        (await fixture.Routes(gatewayPort).ReadShiftAsync("web", default)).Should().BeNull();
        var status = await fixture.Status.ReadAsync(services.Catalog, default);
        status.Services.Single().ContainerId.Should().Be(serving);
        status.Services.Single().Replacing.Should().BeEmpty();
    }

    [LocalDockerFact]
    public async Task A_rollback_during_the_bake_sends_everything_back_at_once_and_the_rollout_removes_the_new_version()
    {
        using var services = Web();
        var (gatewayPort, serving, loop) = await ServeUnderLoadAsync(services);
        var longBake = new RolloutStrategy { Strategy = "blue-green", BakeTimeMinutes = 60 };

        var rollout = Runner(gatewayPort, longBake).EnsureRunningAsync(Image(services, services.Catalog["web"], fixture.SecondTag), services.Catalog, false, log, default);
        await Eventually.UntilAsync("the bake", () => log.Lines.Any(l => l.Contains("bake: all requests on the new version")), found => found, TimeSpan.FromSeconds(60));
        var stopped = await fixture.Routes(gatewayPort).StopShiftAsync("web", "was stopped on request (./build.sh Rollback)", default);

        var failure = (await ((Func<Task>)(() => rollout)).Should().ThrowAsync<PipelineException>()).Which;
        await loop.WaitForSuccessesAsync(50);
        var requests = await loop.StopAsync();
        output.WriteLine(failure.Message);
        output.WriteLine(requests.ToString());

        failure.Message.Should().StartWith("web: rolled back during the bake: the new version was stopped on request (./build.sh Rollback).");
        stopped.Requests.Should().BeGreaterThan(0, "the new version had all requests during the bake");
        requests.Failures.Should().Be(0, requests.ToString());
        (await fixture.Routes(gatewayPort).ReadShiftAsync("web", default)).Should().BeNull();
        var status = await fixture.Status.ReadAsync(services.Catalog, default);
        status.Services.Single().ContainerId.Should().Be(serving);
        status.Services.Single().Replacing.Should().BeEmpty();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DownAsync();
}
