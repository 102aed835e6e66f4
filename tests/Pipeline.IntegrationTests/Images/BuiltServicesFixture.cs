using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.IntegrationTests.Infrastructure;

namespace Pipeline.IntegrationTests.Images;

/// <summary>
/// Builds and pushes every real service once, from a private copy of services/, into a repository namespace of its own
/// in the local registry (<c>127.0.0.1:5000/it-&lt;random&gt;/…</c>), so runs never see each other's images.
/// </summary>
public sealed class BuiltServicesFixture : IAsyncLifetime
{
    public DockerEngine Engine { get; } = new();

    public RegistryClient Registry { get; } = new();

    internal ServicesCopy Services { get; private set; } = null!;

    public string Namespace { get; } = $"{Requires.LocalRegistry}/it-{Guid.NewGuid():N}"[..(Requires.LocalRegistry.Length + 12)];

    public ImageBuildOptions Options { get; } = new() { BaseImageRegistry = Requires.LocalRegistry };

    public IReadOnlyList<ImageBuildResult> FirstBuild { get; private set; } = [];

    public IReadOnlyList<ImagePushResult> FirstPush { get; private set; } = [];

    internal RecordingStepLog FirstRunLog { get; } = new();

    /// <summary>Why the fixture could not build, reported by every test instead of a bare fixture failure.</summary>
    public Exception? SetupFailure { get; private set; }

    readonly List<string> createdReferences = [];

    /// <summary>The services' images as a run tags them: base images resolved through the engine.</summary>
    internal async Task<IReadOnlyList<ServiceImage>> ImagesOfAsync(ServicesCopy services, string repositoryRoot, IStepLog log, params string[] names) =>
        (await ImageTagger.ImagesForAsync(services.Catalog.Services.Where(s => names.Length == 0 || names.Contains(s.Name)), repositoryRoot, Options, Engine, log))
            .Select(Track)
            .ToList();

    internal ServiceImage Track(ServiceImage image)
    {
        lock (createdReferences) createdReferences.Add(image.Reference);
        return image;
    }

    public async Task InitializeAsync()
    {
        if (Requirements.DockerEngineAndRegistry() is not null)
            return;
        Services = new ServicesCopy();
        try
        {
            var images = await ImagesOfAsync(Services, Namespace, FirstRunLog);
            FirstBuild = await new ImageBuilder(Engine, Registry).BuildAsync(images, Options, FirstRunLog);
            FirstPush = await new ImagePusher(Engine, Registry).PushAsync(FirstBuild.Select(b => b.Image).ToList(), null, false, FirstRunLog);
        }
        catch (Exception e)
        {
            SetupFailure = e;
        }
    }

    public void EnsureBuilt()
    {
        Requires.DockerEngineAndRegistry();
        if (SetupFailure is not null)
            throw new Xunit.Sdk.XunitException("Building and pushing the real services failed:\n" + SetupFailure.Message +
                                               "\nLog:\n" + string.Join("\n", FirstRunLog.Lines.TakeLast(60)));
    }

    public async Task DisposeAsync()
    {
        if (Services is null)
            return;
        try
        {
            var docker = await Engine.ConnectAsync();
            foreach (var reference in createdReferences.Distinct())
            {
                try
                {
                    await docker.Images.DeleteImageAsync(reference, new Docker.DotNet.Models.ImageDeleteParameters { Force = true });
                }
                catch (Docker.DotNet.DockerImageNotFoundException)
                {
                }
            }
        }
        finally
        {
            Services.Dispose();
            Registry.Dispose();
            Engine.Dispose();
        }
    }
}
