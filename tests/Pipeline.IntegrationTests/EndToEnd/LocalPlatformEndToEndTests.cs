using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Pipeline.Build.Local;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// The local platform through <c>./build.sh</c>, as a user drives it: deploy from clean, get a token with
/// <c>$(./build.sh Token | tail -1)</c>, use both services through the gateway (HTTP, the official C# MCP client and the
/// official TypeScript one), see what is refused without a token, deploy again without changes, redeploy one service,
/// take it all down.
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

        var statistics = new Uri(Deployment.GatewayUrl, "api/fastapi/compute/statistics");
        using var anonymous = await http.PostAsJsonAsync(statistics, new { values = new[] { 2.0, 4.0, 9.0 } });
        anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized, await anonymous.Content.ReadAsStringAsync());
        JsonDocument.Parse(await anonymous.Content.ReadAsStringAsync()).RootElement.GetProperty("reason").GetString().Should().Be("missing bearer token");
        (await http.GetAsync(new Uri(Deployment.GatewayUrl, "api/fastapi/health"))).StatusCode.Should().Be(HttpStatusCode.OK, "health needs no token");
        (await http.GetAsync(new Uri(Deployment.GatewayUrl, "api/fastapi/openapi.json"))).StatusCode.Should().Be(HttpStatusCode.OK, "fastapi declares its API description public");

        var token = await Deployment.TokenAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, statistics) { Content = JsonContent.Create(new { values = new[] { 2.0, 4.0, 9.0 } }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        var summary = JsonDocument.Parse(body).RootElement;
        summary.GetProperty("median").GetDouble().Should().Be(4);
        summary.GetProperty("sum").GetDouble().Should().Be(15);
        summary.GetProperty("computed_by").GetString().Should().Be($"fastapi@{tags[FastApi]}");
    }

    [EndToEndFact]
    public async Task Token_prints_the_token_alone_on_the_last_line_and_nowhere_else()
    {
        await fixture.DeployedAsync();

        var run = await Deployment.RunLocalAsync("Token");

        run.ExitCode.Should().Be(0, run.Describe());
        var lines = run.StandardOutput.TrimEnd('\n').Split('\n');
        var token = lines[^1];
        token.Split('.').Should().HaveCount(3, "the last line is a JWT: " + token);
        var claims = ClaimsOf(token);
        claims.GetProperty("aud").GetString().Should().Be($"apigw-{Deployment.Environment}");
        claims.GetProperty("iss").GetString().Should().Be($"http://127.0.0.1:{Deployment.GatewayPort}/_auth");
        lines[..^1].Should().NotContain(l => l.Contains(token), "every other line masks the token");
        run.Output.Split('\n').Count(l => l.Contains(token)).Should().Be(1);
        lines[..^1].Should().Contain(l => l.Contains("Build succeeded"), "the closing summary comes before the token");
    }

    [EndToEndFact]
    public async Task An_MCP_initialize_without_a_token_gets_a_401_whose_challenge_leads_to_the_local_issuer()
    {
        await fixture.DeployedAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var initialize = new HttpRequestMessage(HttpMethod.Post, new Uri(Deployment.GatewayUrl, "api/mcp/mcp"))
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        initialize.Headers.Accept.ParseAdd("application/json, text/event-stream");

        using var refused = await http.SendAsync(initialize);

        refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var challenge = refused.Headers.WwwAuthenticate.ToString();
        var metadataUrl = System.Text.RegularExpressions.Regex.Match(challenge, "resource_metadata=\"([^\"]+)\"").Groups[1].Value;
        metadataUrl.Should().Be($"{Deployment.GatewayUrl}api/mcp/.well-known/oauth-protected-resource", challenge);
        var metadata = JsonDocument.Parse(await http.GetStringAsync(metadataUrl)).RootElement;
        var issuer = $"http://127.0.0.1:{Deployment.GatewayPort}/_auth";
        metadata.GetProperty("authorization_servers").EnumerateArray().Select(a => a.GetString()).Should().Contain(issuer);
        var wellKnown = JsonDocument.Parse(await http.GetStringAsync(new Uri(Deployment.GatewayUrl, ".well-known/oauth-protected-resource/api/mcp/mcp"))).RootElement;
        wellKnown.GetProperty("authorization_servers").EnumerateArray().Select(a => a.GetString()).Should().Contain(issuer);
        var discovery = JsonDocument.Parse(await http.GetStringAsync(new Uri(Deployment.GatewayUrl, ".well-known/oauth-authorization-server/_auth"))).RootElement;
        discovery.GetProperty("issuer").GetString().Should().Be(issuer);
        discovery.GetProperty("grant_types_supported").EnumerateArray().Select(g => g.GetString()).Should().Contain("client_credentials");
    }

    [EndToEndFact]
    public async Task The_official_MCP_client_with_a_token_lists_the_tools_and_compute_statistics_reaches_fastapi_through_the_gateway()
    {
        await fixture.DeployedAsync();
        var fastApiTag = (await ServedTagsAsync())[FastApi];
        var token = await Deployment.TokenAsync();

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(Deployment.GatewayUrl, "api/mcp/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        }));
        var tools = await client.ListToolsAsync();
        var result = await client.CallToolAsync("compute_statistics", new Dictionary<string, object?> { ["values"] = new[] { 1.0, 2.0, 3.0, 10.0 } });

        tools.Select(t => t.Name).Should().Contain("compute_statistics");
        var text = string.Join("\n", result.Content.OfType<TextContentBlock>().Select(block => block.Text));
        result.IsError.Should().NotBe(true, text);
        text.Should().Contain("computed_by").And.Contain($"fastapi@{fastApiTag}");
    }

    [EndToEndFact]
    public async Task One_request_to_an_mcp_tool_that_calls_fastapi_is_followed_by_its_id_through_the_gateway_mcp_and_fastapi()
    {
        await fixture.DeployedAsync();
        var token = await Deployment.TokenAsync();
        // A value no log line may hold: it travels only in the request's body.
        const string BodyMarker = "31415.9265";
        using var http = new HttpClient { BaseAddress = Deployment.GatewayUrl, Timeout = TimeSpan.FromSeconds(30) };
        using var call = new HttpRequestMessage(HttpMethod.Post, "api/mcp/mcp")
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"compute_statistics","arguments":{"values":[1, 2, """ + BodyMarker + "]}}}",
                System.Text.Encoding.UTF8, "application/json"),
        };
        call.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        call.Headers.Accept.ParseAdd("application/json");
        call.Headers.Accept.ParseAdd("text/event-stream");

        using var response = await http.SendAsync(call);

        var answer = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, answer);
        answer.Should().Contain("computed_by", "the tool's answer comes from fastapi");
        var id = response.Headers.GetValues("apigw-requestid").Single();
        response.Headers.GetValues("X-Request-Id").Single().Should().Be(id, "mcp echoes the id the gateway gave it");

        var logs = await Deployment.RunLocalAsync("Logs", "--request-id", id, "--format", "json");

        logs.ExitCode.Should().Be(0, logs.Describe());
        var lines = logs.StandardOutput.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        lines.Should().NotBeEmpty(logs.Describe());
        lines.Should().AllSatisfy(l => l.GetProperty("request_id").GetString().Should().Be(id));
        var sources = lines.Select(l => l.GetProperty("source").GetString()!).ToList();
        sources.First().Should().Be("gateway", "the gateway's line is the request's first: " + string.Join(", ", sources));
        sources.Should().Contain(Mcp).And.Contain(FastApi);
        sources.IndexOf(Mcp).Should().BeLessThan(sources.IndexOf(FastApi), "mcp's call to fastapi starts after mcp's request did");
        var fastApiLine = lines.First(l => l.GetProperty("source").GetString() == FastApi);
        var mcpLine = lines.First(l => l.GetProperty("source").GetString() == Mcp && l.TryGetProperty("trace_id", out _));
        fastApiLine.GetProperty("trace_id").GetString().Should().Be(mcpLine.GetProperty("trace_id").GetString(), "mcp forwards its trace in traceparent");
        lines.Select(l => l.GetProperty("timestamp").GetString()).Should().BeInAscendingOrder(StringComparer.Ordinal);

        var text = await Deployment.RunLocalAsync("Logs", "--request-id", id);
        text.ExitCode.Should().Be(0, text.Describe());
        text.StandardOutput.Should().Contain(id).And.Contain("gateway").And.Contain("ANY /api/mcp/{proxy+}");

        var everything = await Deployment.RunLocalAsync("Logs", "--tail", "100000", "--format", "json");
        everything.ExitCode.Should().Be(0, everything.Describe());
        everything.StandardOutput.Should().NotContain(token).And.NotContain(BodyMarker, "no log holds a token or a body");
        File.ReadAllText(Deployment.GatewayLogPath).Should().NotContain(token).And.NotContain(BodyMarker);
    }

    [EndToEndFact]
    public async Task Status_after_a_burst_shows_each_services_requests_errors_and_latency_from_the_gateways_counters()
    {
        await fixture.DeployedAsync();
        var token = await Deployment.TokenAsync();
        using var http = new HttpClient { BaseAddress = Deployment.GatewayUrl, Timeout = TimeSpan.FromSeconds(30) };
        var before = TrafficRow(await Deployment.RunLocalAsync("Status"), FastApi);
        for (var i = 0; i < 20; i++)
        {
            using var ok = new HttpRequestMessage(HttpMethod.Get, "api/fastapi/inspect");
            ok.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            (await http.SendAsync(ok)).StatusCode.Should().Be(HttpStatusCode.OK);
        }
        for (var i = 0; i < 5; i++)
            (await http.GetAsync("api/fastapi/inspect")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        var status = await Deployment.RunLocalAsync("Status");

        status.ExitCode.Should().Be(0, status.Describe());
        status.Output.Should().Contain("Traffic of the last 15 minutes");
        var after = TrafficRow(status, FastApi);
        (after.Requests - before.Requests).Should().Be(25, status.Describe());
        (after.ClientErrors - before.ClientErrors).Should().Be(5);
        after.Cells[4].Should().MatchRegex(@"^\d+\.\d %$", "the error rate is a percentage");
        after.Cells[5].Should().EndWith(" ms");
        after.Cells[6].Should().EndWith(" ms");
    }

    /// <summary>A service's row of Status's traffic table: Service, Requests, 4xx, 5xx, Error rate, p50, p99.</summary>
    static (long Requests, long ClientErrors, string[] Cells) TrafficRow(BuildScriptRun status, string service)
    {
        var table = status.Output[status.Output.IndexOf("Traffic of the last", StringComparison.Ordinal)..];
        var row = table.Split('\n').First(l => l.StartsWith(service + " ", StringComparison.Ordinal));
        var cells = System.Text.RegularExpressions.Regex.Split(row.Trim(), @"\s{2,}");
        return (long.Parse(cells[1]), long.Parse(cells[2]), cells);
    }

    [EndToEndFact(NeedsNodeTools = true)]
    public async Task The_official_TypeScript_MCP_client_with_the_token_calls_every_tool_through_the_gateway()
    {
        await fixture.DeployedAsync();
        var token = await Deployment.TokenAsync();

        var (exitCode, output) = await RunNodeAsync(EndToEndRequirements.McpClientCheckScript, new Uri(Deployment.GatewayUrl, "api/mcp/mcp").ToString(), token);
        var (refusedCode, _) = await RunNodeAsync(EndToEndRequirements.McpClientCheckScript, new Uri(Deployment.GatewayUrl, "api/mcp/mcp").ToString(), "not-a-token");

        exitCode.Should().Be(0, output);
        output.Should().Contain("compute_statistics");
        refusedCode.Should().NotBe(0, "the same check with a bad token must fail, or it proves nothing");
    }

    [EndToEndFact]
    public async Task A_declared_secret_without_a_value_stops_Deploy_before_anything_is_built()
    {
        await fixture.DeployedAsync();
        var manifest = Path.Combine(Deployment.Copy.ServicesDirectory, FastApi, "service.json");
        var original = File.ReadAllText(manifest);
        var node = System.Text.Json.Nodes.JsonNode.Parse(original)!.AsObject();
        node["secrets"] = new System.Text.Json.Nodes.JsonObject { ["API_KEY"] = "ssm:/apigw/{env}/api-key" };
        File.WriteAllText(manifest, node.ToJsonString());
        try
        {
            var deploy = await Deployment.RunLocalAsync("Deploy");

            deploy.ExitCode.Should().NotBe(0, deploy.Describe());
            deploy.Output.Should().Contain($"service fastapi: API_KEY ← ssm:/apigw/{Deployment.Environment}/api-key")
                .And.Contain($".nuke/secrets.{Deployment.Environment}.json").And.Contain("APIGW_SECRET_API_KEY=<value>");
            deploy.Output.Should().NotContain("═══ BuildImages", "nothing is built when a value is missing");
        }
        finally
        {
            File.WriteAllText(manifest, original);
        }
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

    [EndToEndFact]
    public async Task Token_without_a_running_platform_says_to_deploy_first()
    {
        await fixture.DeployedAsync();
        (await Deployment.RunLocalAsync("Down")).ExitCode.Should().Be(0);

        var token = await Deployment.RunLocalAsync("Token");

        token.ExitCode.Should().NotBe(0, token.Describe());
        token.Output.Should().Contain($"./build.sh Deploy --deploy-environment {Deployment.Environment} --gateway-port {Deployment.GatewayPort}");
    }

    /// <summary>A JWT's payload, read only to look at it (the gateway and the services verify tokens; this test does not need to).</summary>
    static JsonElement ClaimsOf(string token)
    {
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return JsonDocument.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '='))).RootElement;
    }

    static async Task<(int ExitCode, string Output)> RunNodeAsync(params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("node", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Remove("MCP_TOKEN");
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
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
