using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Images;

/// <summary>
/// Content tags follow the base image behind a FROM name, with the real engine: a test-only base name is pointed at one
/// tiny image, then another, locally and in the registry on 127.0.0.1:5000. Every name and image a test makes is removed.
/// </summary>
[Collection(ImagesCollection.Name)]
public sealed class BaseImageDigestTests(BuiltServicesFixture fixture) : IAsyncLifetime
{
    const string Unanswered = "127.0.0.1:5999";

    readonly string baseName = $"pipeline-test-base-{Guid.NewGuid():N}"[..27];
    readonly List<string> createdReferences = [];
    readonly string root = Path.Combine(Path.GetTempPath(), "base-digest-" + Guid.NewGuid().ToString("N"));
    DockerClient docker = null!;
    string imageA = null!;
    string imageB = null!;

    public async Task InitializeAsync()
    {
        if (Requirements.DockerEngineAndRegistry() is not null)
            return;
        docker = await fixture.Engine.ConnectAsync();
        imageA = await BuildTinyImageAsync("a");
        imageB = await BuildTinyImageAsync("b");
    }

    [RegistryFact]
    public async Task Pointing_the_base_name_at_another_image_changes_the_tag_and_pointing_it_back_restores_it()
    {
        Requires.DockerEngineAndRegistry();
        var service = ServiceFrom($"{baseName}:1");
        await TagAsync(imageA, baseName, "1");
        var log = new RecordingStepLog();

        var onA = await TagOfAsync(service, new ImageBuildOptions(), log);
        await TagAsync(imageB, baseName, "1");
        var onB = await TagOfAsync(service, new ImageBuildOptions(), new RecordingStepLog());
        await TagAsync(imageA, baseName, "1");
        var onAAgain = await TagOfAsync(service, new ImageBuildOptions(), new RecordingStepLog());

        onB.Should().NotBe(onA, "the image behind the base name changed");
        onAAgain.Should().Be(onA, "the same sources on the same base image give the same tag");
        // A locally made image has no registry digest: its image ID counts.
        onA.Should().Be(ImageTagger.ComputeTag(service, null, [BaseImageIdentity.ImageIdOf($"{baseName}:1", imageA)]));
        log.Lines.Should().Contain($"svc: base {baseName}:1 = {imageA[..19]}… (image id; no registry digest)");
        log.Lines.Should().NotContain(l => l.StartsWith("warning: "));
    }

    [RegistryFact]
    public async Task With_pull_the_tag_follows_the_registry_s_current_digest_of_a_mirrored_base_image()
    {
        Requires.DockerEngineAndRegistry();
        var repository = $"{Requires.LocalRegistry}/{baseName}";
        var reference = $"{repository}:1";
        await TagAsync(imageA, repository, "1");
        await PushAsync(repository, "1");
        var digestA = await fixture.Registry.TryGetDigestAsync(repository, "1", null);
        await TagAsync(imageB, repository, "1");
        await PushAsync(repository, "1");
        var digestB = await fixture.Registry.TryGetDigestAsync(repository, "1", null);
        // The engine still has the old image under the name, as a machine that pulled it before the base was patched.
        await TagAsync(imageA, repository, "1");
        var service = ServiceFrom($"{baseName}:1");
        var mirror = new ImageBuildOptions { BaseImageRegistry = Requires.LocalRegistry };
        var log = new RecordingStepLog();

        var stale = await TagOfAsync(service, mirror, new RecordingStepLog());
        var pulled = await TagOfAsync(service, mirror with { Pull = true }, log);
        var pulledAgain = await TagOfAsync(service, mirror with { Pull = true }, new RecordingStepLog());

        digestB.Should().NotBe(digestA);
        stale.Should().Be(Expected(service, reference, digestA!), "without --pull the engine's image and its registry digest count");
        pulled.Should().Be(Expected(service, reference, digestB!), "--pull follows what the registry holds under the name now")
            .And.NotBe(stale);
        pulledAgain.Should().Be(pulled);
        (await docker.Images.InspectImageAsync(reference)).ID.Should().Be(imageB);
        log.Lines.Should().Contain($"pulling base image {reference} again from {Requires.LocalRegistry} (--pull)")
            .And.Contain($"svc: base {reference} = {digestB![..19]}… (registry digest)");
    }

    [RegistryFact]
    public async Task A_failed_pull_of_a_base_image_the_engine_has_warns_and_uses_the_local_one()
    {
        Requires.DockerEngineAndRegistry();
        var reference = $"{Unanswered}/{baseName}:1";
        await TagAsync(imageA, $"{Unanswered}/{baseName}", "1");
        var service = ServiceFrom($"{baseName}:1");
        var offline = new ImageBuildOptions { BaseImageRegistry = Unanswered };
        var log = new RecordingStepLog();

        var pulled = await TagOfAsync(service, offline with { Pull = true }, log);

        pulled.Should().Be(await TagOfAsync(service, offline, new RecordingStepLog()));
        pulled.Should().Be(ImageTagger.ComputeTag(service, Unanswered, [BaseImageIdentity.ImageIdOf(reference, imageA)]));
        log.Lines.Should().ContainSingle(l => l.StartsWith("warning: ")).Which.Should()
            .StartWith($"warning: could not pull base image {reference} again from {Unanswered} (")
            .And.EndWith($"); using the one the engine has ({imageA})");
    }

    [RegistryFact]
    public async Task A_missing_base_image_that_cannot_be_pulled_fails_tagging_with_the_base_image_message()
    {
        Requires.DockerEngineAndRegistry();
        var service = ServiceFrom($"{baseName}:missing");

        foreach (var pull in new[] { false, true })
        {
            var act = () => TagOfAsync(service, new ImageBuildOptions { BaseImageRegistry = Unanswered, Pull = pull }, new RecordingStepLog());

            (await act.Should().ThrowAsync<PipelineException>()).Which.Message.Should()
                .StartWith($"Base image {Unanswered}/{baseName}:missing could not be pulled from {Unanswered}: ")
                .And.Contain("--base-image-registry").And.Contain(".ci/setup deploy");
        }
    }

    [RegistryFact]
    public async Task A_dry_run_pulls_nothing_and_goes_by_name_for_a_missing_base_image_with_one_warning()
    {
        Requires.DockerEngineAndRegistry();
        var service = ServiceFrom($"{baseName}:missing");
        var log = new RecordingStepLog();

        var tag = await TagOfAsync(service, new ImageBuildOptions { BaseImageRegistry = Unanswered, DryRun = true, Pull = true }, log);

        tag.Should().Be(ImageTagger.ComputeTag(service, Unanswered));
        log.Lines.Should().NotContain(l => l.StartsWith("pulling "));
        log.Lines.Where(l => l.StartsWith($"warning: {ImageTagger.NameOnlyWarning}: ")).Should().ContainSingle().Which.Should()
            .Contain($"not in the local engine, and a dry run pulls nothing, for {Unanswered}/{baseName}:missing.");
    }

    [RegistryFact]
    public void The_real_services_are_tagged_by_their_base_images_registry_digests()
    {
        fixture.EnsureBuilt();

        var lines = fixture.FirstRunLog.Lines;

        lines.Should().ContainSingle(l => l.StartsWith("fastapi: base ")).Which.Should()
            .MatchRegex(@"^fastapi: base 127\.0\.0\.1:5000/python:3\.13\.9-slim-trixie = sha256:[0-9a-f]{12}… \(registry digest\)$");
        lines.Should().ContainSingle(l => l.StartsWith("mcp: base ")).Which.Should()
            .MatchRegex(@"^mcp: base 127\.0\.0\.1:5000/mcr\.microsoft\.com/dotnet/aspnet:10\.0\.0 = sha256:[0-9a-f]{12}… \(registry digest\), " +
                        @"127\.0\.0\.1:5000/mcr\.microsoft\.com/dotnet/sdk:10\.0\.100 = sha256:[0-9a-f]{12}… \(registry digest\)$");
        lines.Should().NotContain(l => l.Contains(ImageTagger.NameOnlyWarning));
    }

    static string Expected(ServiceManifest service, string reference, string digest) =>
        ImageTagger.ComputeTag(service, Requires.LocalRegistry, [BaseImageIdentity.RegistryDigestOf(reference, digest)]);

    async Task<string> TagOfAsync(ServiceManifest service, ImageBuildOptions options, IStepLog log) =>
        (await ImageTagger.ImagesForAsync([service], fixture.Namespace, options, fixture.Engine, log)).Single().Tag;

    ServiceManifest ServiceFrom(string baseImage)
    {
        var directory = Path.Combine(root, "svc");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "Dockerfile"), $"ARG BASE_IMAGE_PREFIX=\"\"\nFROM ${{BASE_IMAGE_PREFIX}}{baseImage}\nCOPY app ./app\n");
        Directory.CreateDirectory(Path.Combine(directory, "app"));
        File.WriteAllText(Path.Combine(directory, "app", "main.py"), "print('hello')\n");
        return new ServiceManifest { Name = "svc", Port = 9, RoutePrefix = "/api/svc", Directory = directory };
    }

    /// <summary>A one-file image made from nothing (no base image to pull), different for each call.</summary>
    async Task<string> BuildTinyImageAsync(string name)
    {
        var directory = Path.Combine(root, "tiny-" + name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "Dockerfile"), "FROM scratch\nCOPY marker /marker\n");
        File.WriteAllText(Path.Combine(directory, "marker"), $"{name} {Guid.NewGuid():N}\n");
        var reference = $"{baseName}-tiny-{name}:1";
        await using var context = new MemoryStream();
        await BuildContext.Load(directory).WriteTarAsync(context, CancellationToken.None);
        context.Position = 0;
        string? error = null;
        await docker.Images.BuildImageFromDockerfileAsync(
            new ImageBuildParameters { Dockerfile = "Dockerfile", Tags = [reference], Remove = true, ForceRemove = true },
            context, [], new Dictionary<string, string>(),
            new SynchronousProgress<JSONMessage>(m => error ??= m.Error?.Message), CancellationToken.None);
        createdReferences.Add(reference);
        var image = await docker.Images.InspectImageAsync(reference);
        error.Should().BeNull();
        return image.ID;
    }

    async Task TagAsync(string imageId, string repository, string tag)
    {
        await docker.Images.TagImageAsync(imageId, new ImageTagParameters { RepositoryName = repository, Tag = tag });
        createdReferences.Add($"{repository}:{tag}");
    }

    async Task PushAsync(string repository, string tag)
    {
        string? error = null;
        await docker.Images.PushImageAsync(repository, new ImagePushParameters { Tag = tag }, new AuthConfig(),
            new SynchronousProgress<JSONMessage>(m => error ??= m.Error?.Message));
        error.Should().BeNull();
    }

    public async Task DisposeAsync()
    {
        if (docker is not null)
        {
            foreach (var reference in createdReferences.Distinct().Reverse())
            {
                try
                {
                    await docker.Images.DeleteImageAsync(reference, new ImageDeleteParameters { Force = true });
                }
                catch (DockerImageNotFoundException)
                {
                }
            }
            foreach (var id in new[] { imageA, imageB }.OfType<string>())
            {
                try
                {
                    await docker.Images.DeleteImageAsync(id, new ImageDeleteParameters { Force = true });
                }
                catch (DockerImageNotFoundException)
                {
                }
            }
        }
        if (Directory.Exists(root))
            Directory.Delete(root, recursive: true);
    }
}
