using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Mcp.Server.Tests;

/// <summary>
/// Builds both services' real Dockerfiles and runs the images as the platform does: host network,
/// read-only root filesystem with a /tmp tmpfs, version from the build argument, mcp calling fastapi.
/// Base images come from <c>BASE_IMAGE_PREFIX</c> (default: the local mirror at 127.0.0.1:5000/).
/// </summary>
// Builds and runs the image: CI runs it, not the inner loop (./build.sh Dev) after every save.
[Trait("Category", "Integration")]
public sealed class ServiceContainerTests : IAsyncLifetime
{
    private const string Version = "container-test";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private readonly List<string> _containers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var container in _containers)
        {
            await DockerCli.TryRunAsync(CommandTimeout, "rm", "--force", container);
        }
    }

    [DockerFact]
    public async Task Fastapi_tests_pass_inside_the_image_built_on_the_runtime_base()
    {
        await BuildAsync("fastapi", target: "test");

        // The build ran pytest already, but a cached layer prints nothing: run the suite in the image again.
        var (exitCode, output) = await DockerCli.TryRunAsync(
            BuildTimeout, "run", "--rm", "--network", "host", TestImageName("fastapi"), "python", "-m", "pytest", "-q");

        exitCode.Should().Be(0, output);
        output.Should().MatchRegex(@"\d+ passed").And.NotContain("skipped").And.NotContain("failed");
    }

    [DockerFact]
    public async Task Both_images_run_read_only_as_non_root_and_the_mcp_tool_reaches_fastapi_with_a_token()
    {
        var fastApiImage = await BuildImageAsync("fastapi");
        var mcpImage = await BuildImageAsync("mcp");
        var fastApiPort = FreePort();
        var mcpPort = FreePort();

        // Host networking: the container reaches the test's issuer on 127.0.0.1, as it reaches the local gateway's.
        await using var issuer = await TestIssuer.StartAsync();
        var fastApi = await RunAsync(fastApiImage, "fastapi", fastApiPort, ("ROOT_PATH", "/api/fastapi"));
        var mcp = await RunAsync(
            mcpImage, "mcp", mcpPort,
            ("SERVICE_URL_FASTAPI", $"http://127.0.0.1:{fastApiPort}"),
            ("AUTH_ISSUER", issuer.Issuer),
            ("AUTH_AUDIENCE", TestIssuer.Audience),
            ("AUTH_SCOPE", TestIssuer.Scope));
        using var http = new HttpClient();
        var fastApiHealth = await WaitForHealthAsync(http, fastApi, fastApiPort);
        var mcpHealth = await WaitForHealthAsync(http, mcp, mcpPort);

        fastApiHealth.GetProperty("version").GetString().Should().Be(Version);
        mcpHealth.GetProperty("version").GetString().Should().Be(Version);
        (await DockerCli.RunAsync(CommandTimeout, "exec", fastApi, "id", "-u")).Trim().Should().NotBe("0");
        (await DockerCli.RunAsync(CommandTimeout, "exec", mcp, "id", "-u")).Trim().Should().NotBe("0");
        (await DockerCli.TryRunAsync(CommandTimeout, "exec", fastApi, "/usr/local/bin/healthcheck")).ExitCode.Should().Be(0);
        (await DockerCli.TryRunAsync(CommandTimeout, "exec", mcp, "/usr/local/bin/healthcheck")).ExitCode.Should().Be(0);
        var openApi = await http.GetFromJsonAsync<JsonElement>($"http://127.0.0.1:{fastApiPort}/openapi.json");
        openApi.GetProperty("servers")[0].GetProperty("url").GetString().Should().Be("/api/fastapi");

        var anonymous = async () => await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"http://127.0.0.1:{mcpPort}/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        }));
        (await anonymous.Should().ThrowAsync<HttpRequestException>()).Which.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri($"http://127.0.0.1:{mcpPort}/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {issuer.MintToken()}" },
        }));
        var result = await client.CallToolAsync("compute_statistics", new Dictionary<string, object?> { ["values"] = new[] { 2.0, 4.0, 9.0 } });
        var rejected = await client.CallToolAsync("analyze_text", new Dictionary<string, object?> { ["text"] = "a", ["top"] = 0 });

        result.IsError.Should().NotBe(true, string.Join("\n", result.Content.OfType<TextContentBlock>().Select(block => block.Text)));
        result.StructuredContent!.Value.GetProperty("median").GetDouble().Should().Be(4);
        result.StructuredContent!.Value.GetProperty("computed_by").GetString().Should().Be($"fastapi@{Version}");
        rejected.IsError.Should().BeTrue();
        rejected.Content.OfType<TextContentBlock>().Single().Text.Should().Contain("greater than or equal to 1");

        await DockerCli.RunAsync(CommandTimeout, "stop", "--time", "25", fastApi, mcp);
        (await DockerCli.RunAsync(CommandTimeout, "inspect", "--format", "{{.State.ExitCode}}", fastApi)).Trim().Should().Be("0");
    }

    private static string BasePrefix =>
        Environment.GetEnvironmentVariable("BASE_IMAGE_PREFIX") is { Length: > 0 } prefix ? prefix : "127.0.0.1:5000/";

    private async Task<string> BuildImageAsync(string service)
    {
        await BuildAsync(service, target: null);
        return ImageName(service);
    }

    // A fixed tag, so repeated runs replace the image instead of piling up new ones.
    private static string ImageName(string service) => $"mcp-server-tests-{service}:latest";

    private static string TestImageName(string service) => $"mcp-server-tests-{service}-test:latest";

    private async Task<string> BuildAsync(string service, string? target)
    {
        List<string> arguments =
        [
            "build", "--network", "host",
            "--build-arg", $"BASE_IMAGE_PREFIX={BasePrefix}",
            "--build-arg", $"VERSION={Version}",
            "--tag", target is null ? ImageName(service) : TestImageName(service),
        ];
        if (target is not null)
        {
            arguments.AddRange(["--target", target]);
        }

        arguments.Add(ServicesFolder.Of(service));
        var (exitCode, output) = await DockerCli.TryRunAsync(BuildTimeout, [.. arguments]);
        exitCode.Should().Be(0,
            $"building services/{service} on base images '{BasePrefix}…' must succeed; publish the base images there or set BASE_IMAGE_PREFIX. Build output:\n{output}");
        return output;
    }

    private async Task<string> RunAsync(string image, string service, int port, params (string Key, string Value)[] environment)
    {
        var name = $"mcp-server-tests-{service}-{_runId}";
        List<string> arguments =
        [
            "run", "--detach", "--name", name, "--network", "host", "--read-only", "--tmpfs", "/tmp",
            "--env", "BIND_ADDRESS=127.0.0.1", "--env", $"PORT={port}",
        ];
        foreach (var (key, value) in environment)
        {
            arguments.AddRange(["--env", $"{key}={value}"]);
        }

        arguments.Add(image);
        _containers.Add(name);
        await DockerCli.RunAsync(CommandTimeout, [.. arguments]);
        return name;
    }

    private static async Task<JsonElement> WaitForHealthAsync(HttpClient http, string container, int port)
    {
        var answer = await Eventually.UntilAsync(
            $"container {container} to answer /health on port {port}",
            async () =>
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/health");
                return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            },
            answer => answer.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30),
            every: TimeSpan.FromMilliseconds(300),
            describe: answer => $"{(int)answer.StatusCode} {answer.Body}",
            details: async () => $"Its logs:\n{(await DockerCli.TryRunAsync(CommandTimeout, "logs", container)).Output}");
        return JsonDocument.Parse(answer.Body).RootElement.Clone();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
