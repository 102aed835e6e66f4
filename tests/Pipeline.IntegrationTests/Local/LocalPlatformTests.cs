using System.Diagnostics;
using System.Net;
using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Local;

namespace Pipeline.IntegrationTests.Local;

[Collection(LocalPlatformCollection.Name)]
public sealed class LocalPlatformTests(LocalPlatformFixture fixture) : IAsyncLifetime
{
    static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
    readonly RecordingStepLog log = new();

    static TestServicesFolder WebAndCaller() => new(
        ("web", [], new Dictionary<string, string> { ["GREETING"] = "hello" }),
        ("caller", ["web"], new Dictionary<string, string>()));

    [LocalDockerFact]
    public async Task A_deploy_from_clean_serves_every_service_through_the_gateway_and_a_second_deploy_touches_nothing()
    {
        using var services = WebAndCaller();
        var gatewayPort = TestServicesFolder.FreePort();

        var first = await fixture.Runner(gatewayPort).EnsureRunningAsync(services.Images(fixture.FirstTag), services.Catalog, dryRun: false, log, default);
        var gateway = await fixture.Gateway.EnsureRunningAsync(services.Path, gatewayPort, dryRun: false, log, default);

        first.Select(r => (r.Service, r.Outcome)).Should().Equal(("web", LocalServiceOutcome.Started), ("caller", LocalServiceOutcome.Started));
        (await Http.GetStringAsync(new Uri(gateway, "/api/web/health"))).Trim().Should().Be("ok", "health needs no token");
        (await Http.GetStringAsync(new Uri(gateway, "/api/caller/health"))).Trim().Should().Be("ok");
        (await Http.GetAsync(new Uri(gateway, "/api/caller/env"))).StatusCode.Should().Be(HttpStatusCode.Unauthorized, "every other route needs a token");
        using var api = await fixture.ApiClientAsync(gatewayPort);
        var callerEnv = await api.GetStringAsync(new Uri(gateway, "/api/caller/env"));
        callerEnv.Should().Contain($"SERVICE_URL_WEB=http://127.0.0.1:{gatewayPort}/_internal/web\n")
            .And.Contain("BIND_ADDRESS=127.0.0.1").And.Contain("ROOT_PATH=/api/caller").And.Contain("HEALTH_PATH=/health")
            .And.Contain($"AUTH_ISSUER=http://127.0.0.1:{gatewayPort}/_auth\n").And.Contain($"AUTH_AUDIENCE={fixture.Gateway.Audience}\n")
            .And.Contain($"AUTH_SCOPE=apigw-{fixture.Gateway.Environment}/caller\n")
            .And.Contain($"PUBLIC_BASE_URL=http://127.0.0.1:{gatewayPort}\n");
        (await api.GetStringAsync(new Uri(gateway, "/api/web/env?x=1"))).Should().Contain("GREETING=hello");
        (await Http.GetStringAsync(new Uri(gateway, "/_internal/web/env"))).Should().Contain("GREETING=hello",
            "a caller reaches web through the gateway's internal route, the private load balancer's stand-in, without a token");
        (await Http.GetAsync(new Uri(gateway, "/api/nothing"))).StatusCode.Should().Be(HttpStatusCode.NotFound);

        var web = await fixture.Docker.Containers.InspectContainerAsync(fixture.Naming.ContainerName("web"));
        web.HostConfig!.NetworkMode.Should().Be("host");
        web.HostConfig!.ReadonlyRootfs.Should().BeTrue();
        web.HostConfig!.RestartPolicy.Name.Should().Be(RestartPolicyKind.UnlessStopped);
        web.Config!.Labels.Should().Contain(LocalPlatformNaming.PlatformLabel, fixture.Naming.PlatformLabelValue)
            .And.Contain(LocalPlatformNaming.ServiceLabel, "web").And.Contain(LocalPlatformNaming.ImageTagLabel, fixture.FirstTag);
        var gatewayPid = LocalGatewayRecord.Read(fixture.Gateway.RecordPath)!.ProcessId;

        var again = await fixture.Runner(gatewayPort).EnsureRunningAsync(services.Images(fixture.FirstTag), services.Catalog, dryRun: false, log, default);
        await fixture.Gateway.EnsureRunningAsync(services.Path, gatewayPort, dryRun: false, log, default);

        again.Should().OnlyContain(r => r.Outcome == LocalServiceOutcome.Unchanged);
        again.Select(r => r.ContainerId).Should().Equal(first.Select(r => r.ContainerId));
        LocalGatewayRecord.Read(fixture.Gateway.RecordPath)!.ProcessId.Should().Be(gatewayPid);
        log.Lines.Should().Contain(l => l.StartsWith("gateway: unchanged"));
    }

    [LocalDockerFact]
    public async Task Redeploy_of_one_service_replaces_only_its_container_on_another_port_and_the_next_one_returns_to_the_manifest_port()
    {
        using var services = WebAndCaller();
        var gatewayPort = TestServicesFolder.FreePort();
        var runner = fixture.Runner(gatewayPort);
        var first = await runner.EnsureRunningAsync(services.Images(fixture.FirstTag), services.Catalog, dryRun: false, log, default);
        await fixture.Gateway.EnsureRunningAsync(services.Path, gatewayPort, dryRun: false, log, default);
        var webPort = services.Catalog["web"].Port;

        var webOnly = services.Images(fixture.SecondTag).Where(i => i.Service.Name == "web").ToList();
        var redeploy = await runner.EnsureRunningAsync(webOnly, services.Catalog, dryRun: false, log, default);

        redeploy.Should().ContainSingle().Which.Outcome.Should().Be(LocalServiceOutcome.Replaced);
        redeploy[0].Unavailability.Should().Be(TimeSpan.Zero);
        redeploy[0].DirectUrl.Port.Should().NotBe(webPort, "the old container held the manifest port while the new one started");
        redeploy[0].ContainerId.Should().NotBe(first.Single(r => r.Service == "web").ContainerId);
        (await fixture.Docker.Containers.InspectContainerAsync(fixture.Naming.ContainerName("caller"))).ID
            .Should().Be(first.Single(r => r.Service == "caller").ContainerId);
        var web = await fixture.Docker.Containers.InspectContainerAsync(fixture.Naming.ContainerName("web"));
        web.Config!.Image.Should().Be($"{LocalTestImage.Repository}:{fixture.SecondTag}");
        web.Config.Labels.Should().Contain(LocalPlatformNaming.PortLabel, redeploy[0].DirectUrl.Port.ToString());
        (await fixture.Routes(gatewayPort).ReadRoutesAsync(default))!["web"].Should().Be(new Uri($"http://127.0.0.1:{redeploy[0].DirectUrl.Port}/"));
        log.Lines.Should().Contain(l => l.StartsWith("web: healthy") && l.Contains("unavailable for 0.0 s"));
        log.Lines.Should().Contain(l => l.StartsWith("web: previous container") && l.Contains("drained in"));
        (await ContainerNames()).Should().BeEquivalentTo(fixture.Naming.ContainerName("web"), fixture.Naming.ContainerName("caller"));
        ListeningPortHolder.Find(webPort).Should().BeNull("the replaced container is gone");

        var back = await runner.EnsureRunningAsync(services.Images(fixture.FirstTag).Where(i => i.Service.Name == "web").ToList(), services.Catalog, false, log, default);

        back.Single().DirectUrl.Port.Should().Be(webPort, "a replacement takes the manifest port when it is free");
        using var api = await fixture.ApiClientAsync(gatewayPort);
        (await api.GetStringAsync(new Uri($"http://127.0.0.1:{gatewayPort}/api/web/env"))).Should().Contain($"PORT={webPort}\n");
    }

    [LocalDockerFact]
    public async Task A_changed_manifest_environment_replaces_the_container_even_with_the_same_image()
    {
        using var services = new TestServicesFolder(("web", [], new Dictionary<string, string> { ["MODE"] = "a" }));
        var first = await fixture.Runner().EnsureRunningAsync(services.Images(fixture.FirstTag), services.Catalog, false, log, default);
        var manifest = Path.Combine(services.Path, "web", "service.json");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"MODE\":\"a\"", "\"MODE\":\"b\""));
        var changed = Pipeline.Manifests.ServiceCatalog.Load(services.Path);

        var second = await fixture.Runner().EnsureRunningAsync(
            [new Pipeline.Build.Deployment.ServiceImage(changed["web"], LocalTestImage.Repository, fixture.FirstTag)], changed, false, log, default);

        second.Single().Outcome.Should().Be(LocalServiceOutcome.Replaced);
        second.Single().ContainerId.Should().NotBe(first.Single().ContainerId);
    }

    [LocalDockerFact]
    public async Task A_declared_secret_reaches_its_container_a_new_value_replaces_it_and_no_label_or_log_line_shows_it()
    {
        using var services = new TestServicesFolder(("web", [], new Dictionary<string, string>()))
            .WithSecrets("web", new Dictionary<string, string> { ["API_KEY"] = "ssm:/apigw/{env}/api-key" });
        var root = Directory.CreateTempSubdirectory("local-secrets-").FullName;
        try
        {
            var store = new LocalSecretStore(root, "local", _ => null);
            var key = LocalSecretStore.FingerprintKeyFrom(fixture.Gateway.EnsureIssuerCredentials());
            async Task<IReadOnlyList<LocalServiceResult>> DeployWithAsync(string value)
            {
                Directory.CreateDirectory(Path.Combine(root, ".nuke"));
                File.WriteAllText(store.FilePath, $$"""{ "ssm:/apigw/local/api-key": "{{value}}" }""");
                var runner = new LocalServiceRunner(fixture.Docker, fixture.Routes(fixture.NoGatewayPort), fixture.Naming, TimeSpan.FromSeconds(60),
                    store.Resolve(services.Catalog.Services, key));
                return await runner.EnsureRunningAsync(services.Images(fixture.FirstTag), services.Catalog, false, log, default);
            }
            string EnvOfWeb(IReadOnlyList<LocalServiceResult> results) => Http.GetStringAsync(new Uri(results.Single().DirectUrl, "/env")).Result;

            var first = await DeployWithAsync("first-secret-value-0123");
            var same = await DeployWithAsync("first-secret-value-0123");
            var changed = await DeployWithAsync("second-secret-value-4567");

            first.Single().Outcome.Should().Be(LocalServiceOutcome.Started);
            same.Single().Outcome.Should().Be(LocalServiceOutcome.Unchanged);
            changed.Single().Outcome.Should().Be(LocalServiceOutcome.Replaced, "a new value changes the config hash");
            EnvOfWeb(changed).Should().Contain("API_KEY=second-secret-value-4567\n");
            var container = await fixture.Docker.Containers.InspectContainerAsync(fixture.Naming.ContainerName("web"));
            container.Config!.Labels.Values.Should().NotContain(v => v.Contains("secret-value"));
            log.Text.Should().NotContain("secret-value").And.NotContain("first-secret").And.NotContain("second-secret");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [LocalDockerFact]
    public async Task A_dry_run_says_what_it_would_do_and_starts_nothing()
    {
        using var services = WebAndCaller();

        var planned = await fixture.Runner().EnsureRunningAsync(services.Images(fixture.FirstTag), services.Catalog, dryRun: true, log, default);
        await fixture.Gateway.EnsureRunningAsync(services.Path, TestServicesFolder.FreePort(), dryRun: true, log, default);

        planned.Should().OnlyContain(r => r.Outcome == LocalServiceOutcome.Started && r.DryRun && r.ContainerId == null);
        (await ContainerNames()).Should().BeEmpty();
        File.Exists(fixture.Gateway.RecordPath).Should().BeFalse();
        log.Lines.Should().Contain(l => l.Contains("would start"));
    }

    [LocalDockerFact]
    public async Task A_container_that_exits_at_start_fails_the_deploy_with_its_last_log_lines()
    {
        using var services = new TestServicesFolder(("broken", [], new Dictionary<string, string> { ["CRASH"] = "missing DATABASE_URL" }));

        var deploy = () => fixture.Runner().EnsureRunningAsync(services.Images(fixture.FirstTag), services.Catalog, false, log, default);

        (await deploy.Should().ThrowAsync<PipelineException>())
            .WithMessage("Service 'broken'*exited at start*boom: missing DATABASE_URL*services/broken/service.json*");
        (await ContainerNames()).Should().BeEmpty("a crash-looping container must not be left behind");
    }

    [LocalDockerFact]
    public async Task A_failed_replacement_leaves_the_previous_container_serving_and_nothing_else_behind()
    {
        using var services = new TestServicesFolder(("web", [], new Dictionary<string, string>()));
        var good = await fixture.Runner().EnsureRunningAsync(services.Images(fixture.FirstTag), services.Catalog, false, log, default);
        var manifest = Path.Combine(services.Path, "web", "service.json");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"environment\":{}", "\"environment\":{\"CRASH\":\"bad release\"}"));
        var broken = Pipeline.Manifests.ServiceCatalog.Load(services.Path);

        var deploy = () => fixture.Runner().EnsureRunningAsync(
            [new Pipeline.Build.Deployment.ServiceImage(broken["web"], LocalTestImage.Repository, fixture.SecondTag)], broken, false, log, default);

        await deploy.Should().ThrowAsync<PipelineException>().WithMessage("*boom: bad release*");
        var kept = await fixture.Docker.Containers.InspectContainerAsync(fixture.Naming.ContainerName("web"));
        kept.ID.Should().Be(good.Single().ContainerId);
        kept.State!.Running.Should().BeTrue();
        (await ContainerNames()).Should().Equal(fixture.Naming.ContainerName("web"));
        log.Lines.Should().Contain(l => l.Contains("previous container") && l.Contains("keeps serving"));
    }

    [LocalDockerFact]
    public async Task A_port_held_by_another_process_is_named_with_that_process_in_the_error()
    {
        using var services = new TestServicesFolder(("web", [], new Dictionary<string, string>()));
        var port = services.Catalog["web"].Port;
        using var squatter = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
        squatter.Start();

        var deploy = () => fixture.Runner().EnsureRunningAsync(services.Images(fixture.FirstTag), services.Catalog, false, log, default);

        (await deploy.Should().ThrowAsync<PipelineException>())
            .WithMessage($"*'web'*port {port} (held by pid {Environment.ProcessId}:*services/web/service.json*");
        (await ContainerNames()).Should().BeEmpty();
    }

    [LocalDockerFact]
    public async Task Status_shows_each_service_container_image_tag_health_and_url_and_logs_show_recent_lines()
    {
        using var services = WebAndCaller();
        var gatewayPort = TestServicesFolder.FreePort();
        await fixture.Runner(gatewayPort).EnsureRunningAsync(services.Images(fixture.FirstTag), services.Catalog, false, log, default);
        await fixture.Gateway.EnsureRunningAsync(services.Path, gatewayPort, false, log, default);
        await Http.GetStringAsync(new Uri($"http://127.0.0.1:{gatewayPort}/api/web/health?from=status-test"));

        var snapshot = await fixture.Status.ReadAsync(services.Catalog, default);
        var logs = new StringWriter();
        await fixture.Logs.ShowAsync(new LogQuery(services.Catalog["web"], null, null, Tail: 50, Follow: false, LogFormat.Text), services.Catalog, logs, TextWriter.Null, default);

        snapshot.Services.Should().AllSatisfy(s =>
        {
            s.State.Should().Be("running");
            s.Healthy.Should().BeTrue();
            s.ImageTag.Should().Be(fixture.FirstTag);
            s.GatewayUrl.Should().Be(new Uri($"http://127.0.0.1:{gatewayPort}/api/{s.Service}/"));
            s.DirectUrl.Port.Should().Be(services.Catalog[s.Service].Port);
            s.Replacing.Should().BeEmpty();
        });
        snapshot.Gateway.Healthy.Should().BeTrue();
        snapshot.ToLines().Should().Contain(l => l.StartsWith("web") && l.Contains(fixture.FirstTag) && l.Contains("healthy"));
        logs.ToString().Should().Contain("listening on 127.0.0.1").And.Contain("GET /health?from=status-test");
    }

    [LocalDockerFact]
    public async Task Logs_follow_streams_new_lines_until_cancelled()
    {
        using var services = new TestServicesFolder(("web", [], new Dictionary<string, string>()));
        await fixture.Runner().EnsureRunningAsync(services.Images(fixture.FirstTag), services.Catalog, false, log, default);
        var output = new StringWriter();
        using var stop = new CancellationTokenSource();

        var following = fixture.Logs.ShowAsync(
            new LogQuery(services.Catalog["web"], null, null, Tail: 0, Follow: true, LogFormat.Text), services.Catalog, TextWriter.Synchronized(output), TextWriter.Null, stop.Token);
        // Following may begin after a first request: requests go on until one of them shows in what it streams.
        await Eventually.UntilAsync("the followed log of web to show a request with marker=followed",
            async () =>
            {
                await Http.GetStringAsync(new Uri($"http://127.0.0.1:{services.Catalog["web"].Port}/health?marker=followed"));
                return output.ToString();
            },
            text => text.Contains("marker=followed"), TimeSpan.FromSeconds(10), every: TimeSpan.FromMilliseconds(200));
        await stop.CancelAsync();
        await following.WaitAsync(TimeSpan.FromSeconds(10));

        output.ToString().Should().Contain("marker=followed");
    }

    [LocalDockerFact]
    public async Task Logs_of_a_service_without_container_say_to_deploy_first()
    {
        using var services = new TestServicesFolder(("web", [], new Dictionary<string, string>()));

        var show = () => fixture.Logs.ShowAsync(new LogQuery(services.Catalog["web"], null, null, 10, false, LogFormat.Text), services.Catalog, new StringWriter(), TextWriter.Null, default);

        await show.Should().ThrowAsync<PipelineException>().WithMessage("*'web' has no local container*./build.sh Deploy*");
    }

    [LocalDockerFact]
    public async Task Down_removes_the_platform_containers_and_gateway_and_nothing_else()
    {
        using var services = WebAndCaller();
        var gatewayPort = TestServicesFolder.FreePort();
        await fixture.Runner().EnsureRunningAsync(services.Images(fixture.FirstTag), services.Catalog, false, log, default);
        await fixture.Gateway.EnsureRunningAsync(services.Path, gatewayPort, false, log, default);
        var gatewayPid = LocalGatewayRecord.Read(fixture.Gateway.RecordPath)!.ProcessId;
        var bystander = await fixture.Docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = $"{LocalTestImage.Repository}:{fixture.FirstTag}",
            Name = fixture.Naming.NamePrefix + "-bystander",
            Labels = new Dictionary<string, string> { [LocalPlatformNaming.PlatformLabel] = "someone-else" },
            HostConfig = new HostConfig { NetworkMode = "host" },
        });
        try
        {
            var removed = await fixture.Teardown.DownAsync(dryRun: false, log, default);

            removed.Should().BeEquivalentTo(fixture.Naming.ContainerName("web"), fixture.Naming.ContainerName("caller"));
            (await ContainerNames()).Should().BeEmpty();
            ProcessSignal.IsAlive(gatewayPid).Should().BeFalse();
            File.Exists(fixture.Gateway.RecordPath).Should().BeFalse();
            ListeningPortHolder.Find(gatewayPort).Should().BeNull();
            ListeningPortHolder.Find(services.Catalog["web"].Port).Should().BeNull();
            (await fixture.Docker.Containers.InspectContainerAsync(bystander.ID)).Should().NotBeNull();
        }
        finally
        {
            await fixture.Docker.Containers.RemoveContainerAsync(bystander.ID, new ContainerRemoveParameters { Force = true });
        }
    }

    [LocalDockerFact]
    public async Task Down_leaves_alone_a_recorded_gateway_pid_that_now_belongs_to_another_process()
    {
        using var stranger = Process.Start(new ProcessStartInfo("sleep", ["60"]))!;
        new LocalGatewayRecord(stranger.Id, TestServicesFolder.FreePort(), fixture.Gateway.DllPath, "x", "y", "/nowhere", DateTimeOffset.UtcNow)
            .Write(fixture.Gateway.RecordPath);
        try
        {
            await fixture.Teardown.DownAsync(dryRun: false, log, default);

            stranger.HasExited.Should().BeFalse();
            log.Lines.Should().Contain(l => l.Contains($"pid {stranger.Id} no longer runs our gateway"));
        }
        finally
        {
            stranger.Kill();
        }
    }

    async Task<IReadOnlyList<string>> ContainerNames()
    {
        var containers = await fixture.Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [fixture.Naming.PlatformFilter] = true } },
        });
        return containers.Select(c => c.Names[0].TrimStart('/')).ToList();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DownAsync();
}
