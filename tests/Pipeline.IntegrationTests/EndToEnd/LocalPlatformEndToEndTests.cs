using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Pipeline.Build.Local;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// The local platform through <c>./build.sh</c>, as a user drives it: deploy from clean, use both services through the
/// gateway (HTTP and the official MCP client), deploy again without changes, redeploy one service, take it all down.
/// </summary>
[Collection(EndToEndCollection.Name)]
[TestCaseOrderer(ScenarioOrderer.TypeName, ScenarioOrderer.AssemblyName)]
public sealed class LocalPlatformEndToEndTests(LocalDeploymentFixture fixture) : IClassFixture<LocalDeploymentFixture>
{
    const string FastApi = "fastapi";
    const string Mcp = "mcp";

    IsolatedDeployment Deployment => fixture.Deployment;

    [EndToEndFact]
    public async Task Plan_and_an_unknown_service_run_nothing()
    {
        var containersBefore = await Deployment.ContainerNamesAsync();

        var plan = await Deployment.RunLocalAsync("Deploy", "--plan");
        var unknown = await Deployment.RunLocalAsync("Redeploy", "--service", "nope");

        plan.ExitCode.Should().Be(0, plan.Describe());
        plan.Output.Should().Contain("Nothing was run");
        foreach (var target in new[] { "BuildImages", "PushImages", "DeployInfra", "UpdateServices", "HealthCheck", "Deploy" })
            plan.Output.Should().Contain(target);
        plan.Output.Should().NotContain("═══ BuildImages", "a plan prints targets, it does not run them");
        unknown.ExitCode.Should().NotBe(0, unknown.Describe());
        unknown.Output.Should().Contain("nope").And.Contain(string.Join(", ", [.. Deployment.Copy.ServiceNames(), "all"]));
        (await Deployment.ContainerNamesAsync()).Should().Equal(containersBefore, "neither run may start or stop a container");
    }

    [EndToEndFact]
    public async Task Deploy_from_clean_serves_both_health_routes_and_the_fastapi_api_through_the_gateway()
    {
        (await Deployment.ContainerNamesAsync()).Should().BeEmpty("the environment is new");

        var deploy = await fixture.DeployedAsync();

        deploy.Output.Should().Contain($"Gateway: {Deployment.GatewayUrl}");
        var tags = await ServedTagsAsync();
        tags.Keys.Should().BeEquivalentTo(FastApi, Mcp);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        foreach (var (service, tag) in tags)
        {
            (await Deployment.ServedVersionAsync(http, service)).Should().Be(tag, $"{service} must serve the content tag its container was started from");
            deploy.Output.Should().Contain(tag);
        }

        using var response = await http.PostAsJsonAsync(new Uri(Deployment.GatewayUrl, "api/fastapi/compute/statistics"), new { values = new[] { 2.0, 4.0, 9.0 } });
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        var summary = JsonDocument.Parse(body).RootElement;
        summary.GetProperty("median").GetDouble().Should().Be(4);
        summary.GetProperty("sum").GetDouble().Should().Be(15);
        summary.GetProperty("computed_by").GetString().Should().Be($"fastapi@{tags[FastApi]}");
    }

    [EndToEndFact]
    public async Task The_official_MCP_client_lists_the_tools_and_compute_statistics_reaches_fastapi_through_the_gateway()
    {
        await fixture.DeployedAsync();
        var fastApiTag = (await ServedTagsAsync())[FastApi];

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(Deployment.GatewayUrl, "api/mcp/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }));
        var tools = await client.ListToolsAsync();
        var result = await client.CallToolAsync("compute_statistics", new Dictionary<string, object?> { ["values"] = new[] { 1.0, 2.0, 3.0, 10.0 } });

        tools.Select(t => t.Name).Should().Contain("compute_statistics");
        var text = string.Join("\n", result.Content.OfType<TextContentBlock>().Select(block => block.Text));
        result.IsError.Should().NotBe(true, text);
        text.Should().Contain("computed_by").And.Contain($"fastapi@{fastApiTag}");
    }

    [EndToEndFact]
    public async Task A_second_deploy_rebuilds_and_replaces_nothing()
    {
        await fixture.DeployedAsync();
        var containersBefore = await Deployment.ContainerIdsAsync();

        var again = await Deployment.RunLocalAsync("Deploy");

        again.ExitCode.Should().Be(0, again.Describe());
        (await Deployment.ContainerIdsAsync()).Should().BeEquivalentTo(containersBefore, "an unchanged service keeps its container");
        foreach (var service in new[] { FastApi, Mcp })
        {
            again.Output.Should().MatchRegex($@"{service}: .*; not rebuilt", again.Describe());
            again.Output.Should().MatchRegex($@"{service}: unchanged \(", again.Describe());
        }
        again.Summary.Should().NotContain("building ").And.NotContain("replacing").And.NotContain("starting ");
        again.Output.Should().Contain("gateway: unchanged");
    }

    [EndToEndFact]
    public async Task Redeploy_of_fastapi_replaces_its_container_and_leaves_mcp_untouched()
    {
        await fixture.DeployedAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var containersBefore = await Deployment.ContainerIdsAsync();
        var tagsBefore = await ServedTagsAsync();
        Deployment.Copy.AppendLine("services/fastapi/app/main.py", $"# changed by the end-to-end test {Guid.NewGuid():N}");

        var redeploy = await Deployment.RunLocalAsync("Redeploy", "--service", FastApi);

        redeploy.ExitCode.Should().Be(0, redeploy.Describe());
        var containersAfter = await Deployment.ContainerIdsAsync();
        containersAfter[FastApi].Should().NotBe(containersBefore[FastApi], "fastapi's content changed, so it runs a new container");
        containersAfter[Mcp].Should().Be(containersBefore[Mcp], "a redeploy of fastapi must not touch mcp");
        redeploy.Output.Should().Contain("unavailable for");
        redeploy.Summary.Should().NotMatchRegex(@"(?m)^\s+mcp: ", "only --service fastapi is built, rolled and checked");
        var tagsAfter = await ServedTagsAsync();
        tagsAfter[FastApi].Should().NotBe(tagsBefore[FastApi]);
        tagsAfter[Mcp].Should().Be(tagsBefore[Mcp]);
        (await Deployment.ServedVersionAsync(http, FastApi)).Should().Be(tagsAfter[FastApi]);
        (await Deployment.ServedVersionAsync(http, Mcp)).Should().Be(tagsBefore[Mcp]);
    }

    [EndToEndFact]
    public async Task Down_removes_every_container_and_stops_the_gateway()
    {
        await fixture.DeployedAsync();
        var gateway = Deployment.GatewayRecord;
        gateway.Should().NotBeNull("a deployed local platform records its gateway");
        IsRunning(gateway!.ProcessId).Should().BeTrue("the gateway runs before Down");

        var down = await Deployment.RunLocalAsync("Down");

        down.ExitCode.Should().Be(0, down.Describe());
        (await Deployment.ContainerNamesAsync()).Should().BeEmpty($"Down removes every container labelled apigw.platform={Deployment.Environment}");
        IsRunning(gateway.ProcessId).Should().BeFalse($"Down stops the gateway (pid {gateway.ProcessId})");
        AcceptsConnections(Deployment.GatewayPort).Should().BeFalse("nothing listens on the gateway port after Down");
    }

    /// <summary>Service name to the content tag its container was started from (the label the platform sets).</summary>
    async Task<IReadOnlyDictionary<string, string>> ServedTagsAsync()
    {
        using var engine = new Pipeline.Build.Images.DockerEngine();
        var docker = await engine.ConnectAsync();
        var tags = new Dictionary<string, string>();
        foreach (var (service, id) in await Deployment.ContainerIdsAsync())
        {
            var container = await docker.Containers.InspectContainerAsync(id);
            tags[service] = container.Config!.Labels[LocalPlatformNaming.ImageTagLabel];
        }
        return tags;
    }

    // A zombie keeps its /proc entry but has no command line any more.
    static bool IsRunning(int pid) =>
        File.Exists($"/proc/{pid}/cmdline") && File.ReadAllBytes($"/proc/{pid}/cmdline").Length > 0;

    static bool AcceptsConnections(int port)
    {
        using var socket = new TcpClient();
        try
        {
            socket.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
