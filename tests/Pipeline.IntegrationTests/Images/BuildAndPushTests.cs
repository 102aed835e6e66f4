using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.IntegrationTests.Infrastructure;

namespace Pipeline.IntegrationTests.Images;

[Collection(ImagesCollection.Name)]
public sealed class BuildAndPushTests(BuiltServicesFixture fixture)
{
    [RegistryFact]
    public async Task Every_service_is_built_pushed_and_answers_its_health_check_on_loopback()
    {
        fixture.EnsureBuilt();
        fixture.FirstBuild.Select(b => b.Outcome).Should().AllBeEquivalentTo(ImageBuildOutcome.Built);
        fixture.FirstPush.Select(p => p.Outcome).Should().AllBeEquivalentTo(ImagePushOutcome.Pushed);
        foreach (var pushed in fixture.FirstPush)
        {
            pushed.Image.Digest.Should().MatchRegex("^sha256:[0-9a-f]{64}$");
            (await fixture.Registry.TryGetDigestAsync(pushed.Image.Repository, pushed.Image.Tag, null)).Should().Be(pushed.Image.Digest);
        }

        var docker = await fixture.Engine.ConnectAsync();
        var running = new List<RunningContainer>();
        try
        {
            var urls = new Dictionary<string, string>();
            // Services start in dependency order so each one's callers get its URL.
            foreach (var image in fixture.FirstPush.Select(p => p.Image).OrderBy(i => i.Service.Uses.Count))
            {
                var container = await RunningContainer.StartAsync(docker, image.Reference, image.Service,
                    image.Service.Uses.Where(urls.ContainsKey).ToDictionary(u => fixture.Services[u].UrlVariableName, u => urls[u]));
                running.Add(container);
                urls[image.Service.Name] = container.BaseUrl.ToString().TrimEnd('/');

                var health = await container.WaitForHealthAsync(image.Service.HealthPath, TimeSpan.FromSeconds(90));

                health.Should().Contain(image.Tag, $"{image.Service.Name} reports the version it was built as");
            }
        }
        finally
        {
            foreach (var container in running)
                await container.DisposeAsync();
        }
    }

    [RegistryFact]
    public async Task A_second_run_with_nothing_changed_builds_and_pushes_nothing()
    {
        fixture.EnsureBuilt();
        var log = new RecordingStepLog();
        var images = await fixture.ImagesOfAsync(fixture.Services, fixture.Namespace, log);

        var built = await new ImageBuilder(fixture.Engine, fixture.Registry).BuildAsync(images, fixture.Options, log);
        var pushed = await new ImagePusher(fixture.Engine, fixture.Registry).PushAsync(built.Select(b => b.Image).ToList(), null, false, log);

        images.Select(i => i.Tag).Should().Equal(fixture.FirstBuild.Select(b => b.Image.Tag));
        built.Select(b => b.Outcome).Should().AllBeEquivalentTo(ImageBuildOutcome.AlreadyInRegistry);
        pushed.Select(p => p.Outcome).Should().AllBeEquivalentTo(ImagePushOutcome.AlreadyInRegistry);
        pushed.Select(p => p.Image.Digest).Should().Equal(fixture.FirstPush.Select(p => p.Image.Digest));
        log.Lines.Should().Contain(l => l.Contains("already in the registry") && l.Contains("not rebuilt"))
            .And.NotContain(l => l.Contains("building ") || l.Contains("pushing "));
    }

    [RegistryFact]
    public async Task Changing_one_file_of_one_service_rebuilds_and_pushes_only_that_service()
    {
        fixture.EnsureBuilt();
        using var services = new ServicesCopy();
        var changed = services["fastapi"];
        var unchanged = services.Catalog.Services.Where(s => s.Name != changed.Name).Select(s => s.Name).ToList();
        services.AppendTo(changed.Name, "app/main.py", "\n# touched by a test\n");
        var log = new RecordingStepLog();
        var images = await fixture.ImagesOfAsync(services, fixture.Namespace, log);

        var built = await new ImageBuilder(fixture.Engine, fixture.Registry).BuildAsync(images, fixture.Options, log);
        var pushed = await new ImagePusher(fixture.Engine, fixture.Registry).PushAsync(built.Select(b => b.Image).ToList(), null, false, log);

        built.Single(b => b.Image.Service.Name == changed.Name).Outcome.Should().Be(ImageBuildOutcome.Built);
        built.Where(b => unchanged.Contains(b.Image.Service.Name)).Select(b => b.Outcome).Should().AllBeEquivalentTo(ImageBuildOutcome.AlreadyInRegistry);
        var changedPush = pushed.Single(p => p.Image.Service.Name == changed.Name);
        changedPush.Outcome.Should().Be(ImagePushOutcome.Pushed);
        changedPush.LayersAlreadyThere.Should().BePositive("only the layers the registry lacks travel");
        pushed.Where(p => unchanged.Contains(p.Image.Service.Name)).Select(p => p.Outcome).Should().AllBeEquivalentTo(ImagePushOutcome.AlreadyInRegistry);
    }

    [RegistryFact]
    public async Task Selecting_only_mcp_never_touches_fastapi()
    {
        fixture.EnsureBuilt();
        var isolated = $"{Requires.LocalRegistry}/it-{Guid.NewGuid():N}"[..(Requires.LocalRegistry.Length + 12)];
        var log = new RecordingStepLog();
        var images = await fixture.ImagesOfAsync(fixture.Services, isolated, log, "mcp");

        var built = await new ImageBuilder(fixture.Engine, fixture.Registry).BuildAsync(images, fixture.Options, log);
        await new ImagePusher(fixture.Engine, fixture.Registry).PushAsync(built.Select(b => b.Image).ToList(), null, false, log);

        built.Select(b => b.Image.Service.Name).Should().Equal("mcp");
        var fastapiTag = fixture.FirstBuild.Single(b => b.Image.Service.Name == "fastapi").Image.Tag;
        (await fixture.Registry.TryGetDigestAsync($"{isolated}/fastapi", fastapiTag, null)).Should().BeNull();
        var docker = await fixture.Engine.ConnectAsync();
        var act = () => docker.Images.InspectImageAsync($"{isolated}/fastapi:{fastapiTag}");
        await act.Should().ThrowAsync<Docker.DotNet.DockerImageNotFoundException>();
        log.Lines.Should().NotContain(l => l.Contains("fastapi"));
    }

    [RegistryFact]
    public async Task A_failing_build_names_the_service_and_shows_the_failing_step_output()
    {
        fixture.EnsureBuilt();
        await WithServiceFolderAsync("broken",
            "ARG BASE_IMAGE_PREFIX=\"\"\nFROM ${BASE_IMAGE_PREFIX}python:3.13.9-slim-trixie\nRUN echo about-to-fail-$((20+22)) && exit 3\n",
            async service =>
            {
                var image = fixture.Track((await ImageTagger.ImagesForAsync([service], fixture.Namespace, fixture.Options, fixture.Engine, new RecordingStepLog())).Single());

                var act = () => new ImageBuilder(fixture.Engine, fixture.Registry).BuildAsync([image], fixture.Options, new RecordingStepLog());

                (await act.Should().ThrowAsync<PipelineException>())
                    .WithMessage("broken: building *failed: *returned a non-zero code: 3*about-to-fail-42*Fix *Dockerfile*");
            });
    }

    [RegistryFact]
    public async Task A_base_image_mirror_that_does_not_answer_names_the_image_the_registry_and_both_ways_out()
    {
        fixture.EnsureBuilt();
        await WithServiceFolderAsync("fastapi",
            "ARG BASE_IMAGE_PREFIX=\"\"\nFROM ${BASE_IMAGE_PREFIX}python:3.13.9-slim-trixie\nRUN true\n",
            async service =>
            {
                // Nothing listens on this port: the engine's pull is refused.
                var options = fixture.Options with { BaseImageRegistry = "127.0.0.1:5999", CheckRegistry = false };
                // Tagged by name: tagging through the engine would already stop at the base image (BaseImageDigestTests covers that).
                var image = ImageTagger.ImageFor(service, fixture.Namespace, options.BaseImageRegistry);

                var act = () => new ImageBuilder(fixture.Engine, fixture.Registry).BuildAsync([image], options, new RecordingStepLog());

                var error = (await act.Should().ThrowAsync<PipelineException>()).Which.Message;
                error.Should().StartWith("Base image 127.0.0.1:5999/python:3.13.9-slim-trixie could not be pulled from 127.0.0.1:5999: ")
                    .And.Contain("--base-image-registry").And.Contain("BASE_IMAGE_REGISTRY").And.Contain(".ci/setup deploy")
                    .And.NotContain("Fix ");
            });
    }

    /// <summary>A service folder of its own with just <paramref name="dockerfile"/>, removed afterwards.</summary>
    static async Task WithServiceFolderAsync(string name, string dockerfile, Func<Pipeline.Manifests.ServiceManifest, Task> test)
    {
        var folder = Path.Combine(Path.GetTempPath(), "service-" + Guid.NewGuid().ToString("N"), name);
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "Dockerfile"), dockerfile);
            await test(new Pipeline.Manifests.ServiceManifest { Name = name, Port = 9, RoutePrefix = "/api/" + name, Directory = folder });
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
    }

    [RegistryFact]
    public async Task Without_a_registry_an_image_already_in_the_engine_is_not_rebuilt()
    {
        fixture.EnsureBuilt();
        var localOnly = fixture.Options with { CheckRegistry = false };
        var images = await fixture.ImagesOfAsync(fixture.Services, fixture.Namespace, new RecordingStepLog(), "fastapi");

        var built = await new ImageBuilder(fixture.Engine, fixture.Registry).BuildAsync(images, localOnly, new RecordingStepLog());

        built.Single().Outcome.Should().Be(ImageBuildOutcome.AlreadyLocal);
        built.Single().ImageId.Should().Be(fixture.FirstBuild.Single(b => b.Image.Service.Name == "fastapi").ImageId);
    }
}
