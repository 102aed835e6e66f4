using Docker.DotNet;
using Pipeline.Build.Local;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Local;

/// <summary>
/// The real Docker engine, a test image under two tags, and a naming of its own (container prefix and platform label),
/// so these tests never touch a real local deploy. The gateway binary is built once into a temporary artifacts folder.
/// Shared by every local-platform test class (<see cref="LocalPlatformCollection"/>), which therefore run one at a time.
/// </summary>
public sealed class LocalPlatformFixture : IAsyncLifetime
{
    readonly string runId = Guid.NewGuid().ToString("N")[..8];

    Exception? setupFailure;
    readonly Pipeline.Build.Images.DockerEngine engine = new();
    IDockerClient? docker;

    public LocalPlatformFixture()
    {
        Naming = new("apigw-it-" + runId, "it-" + runId);
        FirstTag = "v1-" + runId;
        SecondTag = "v2-" + runId;
    }

    public LocalPlatformNaming Naming { get; }
    public string FirstTag { get; }
    public string SecondTag { get; }

    /// <summary>A gateway port for tests that start no gateway: nothing to switch, callers' URLs still well-formed.</summary>
    public int NoGatewayPort { get; } = TestServicesFolder.FreePort();
    public string ArtifactsDirectory { get; } = Directory.CreateTempSubdirectory("local-artifacts-").FullName;
    public LocalGateway Gateway => new(RepositoryRoot.Find(), ArtifactsDirectory);

    public IDockerClient Docker => docker ?? throw new InvalidOperationException(
        "The local platform tests need the Docker engine and the test base image: " +
        (LocalDockerFactAttribute.Missing ?? setupFailure?.Message ?? "setup failed"), setupFailure);

    public LocalGatewayRoutes Routes(int gatewayPort) => new(Gateway, gatewayPort);

    /// <summary>A client that sends a token from the issuer of the gateway on <paramref name="gatewayPort"/>, got the way <c>./build.sh Token</c> gets it.</summary>
    public async Task<HttpClient> ApiClientAsync(int gatewayPort)
    {
        var token = await new LocalTokenClient(Gateway, gatewayPort).TokenAsync("(the test deploys its gateway first)", default);
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>The service runner, with the gateway (if any) on <paramref name="gatewayPort"/> as the one whose routes it switches.</summary>
    public LocalServiceRunner Runner(int? gatewayPort = null, TimeSpan? healthTimeout = null) =>
        new(Docker, Routes(gatewayPort ?? NoGatewayPort), Naming, healthTimeout ?? TimeSpan.FromSeconds(60));
    public LocalPlatformTeardown Teardown => new(Docker, Gateway, Naming);
    public LocalPlatformStatus Status => new(Docker, Gateway, Naming);
    public LocalLogs Logs => new(Docker, Gateway, Naming);

    public async Task InitializeAsync()
    {
        if (LocalDockerFactAttribute.Missing is not null)
            return;
        try
        {
            docker = await engine.ConnectAsync();
            LocalTestImage.Build(FirstTag, SecondTag);
        }
        catch (Exception e)
        {
            setupFailure = e;
            docker = null;
        }
    }

    public async Task DownAsync()
    {
        if (docker is not null)
            await Teardown.DownAsync(dryRun: false, new RecordingStepLog(), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await DownAsync();
        if (docker is not null)
            LocalTestImage.Remove(FirstTag, SecondTag);
        engine.Dispose();
        Directory.Delete(ArtifactsDirectory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class LocalPlatformCollection : ICollectionFixture<LocalPlatformFixture>
{
    public const string Name = "Local platform (Docker)";
}
