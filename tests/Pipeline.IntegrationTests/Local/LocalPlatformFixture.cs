using Docker.DotNet;
using Pipeline.Build.Local;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Local;

/// <summary>
/// The real Docker engine, a test image under two tags, and a naming of its own (container prefix and platform label),
/// so these tests never touch a real local deploy. The gateway binary is built once into a temporary artifacts folder.
/// </summary>
public sealed class LocalPlatformFixture : IAsyncLifetime
{
    static readonly string RunId = Guid.NewGuid().ToString("N")[..8];

    Exception? setupFailure;
    readonly Pipeline.Build.Images.DockerEngine engine = new();
    IDockerClient? docker;

    public LocalPlatformNaming Naming { get; } = new("apigw-it-" + RunId, "it-" + RunId);
    public string FirstTag { get; } = "v1-" + RunId;
    public string SecondTag { get; } = "v2-" + RunId;
    public string ArtifactsDirectory { get; } = Directory.CreateTempSubdirectory("local-artifacts-").FullName;
    public LocalGateway Gateway => new(RepositoryRoot.Find(), ArtifactsDirectory);

    public IDockerClient Docker => docker ?? throw new InvalidOperationException(
        "The local platform tests need the Docker engine and the test base image: " +
        (LocalDockerFactAttribute.Missing ?? setupFailure?.Message ?? "setup failed"), setupFailure);

    public LocalServiceRunner Runner(TimeSpan? healthTimeout = null) => new(Docker, Naming, healthTimeout ?? TimeSpan.FromSeconds(60));
    public LocalPlatformTeardown Teardown => new(Docker, Gateway, Naming);
    public LocalPlatformStatus Status => new(Docker, Gateway, Naming);
    public LocalLogs Logs => new(Docker, Naming);

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
