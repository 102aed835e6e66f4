using Pipeline.Build.Engine;
using Pipeline.Build.Images;

namespace Pipeline.Build.Tests.Images;

/// <summary>What the build and push steps do before, or instead of, talking to an engine.</summary>
public class ImageStepsWithoutEngineTests
{
    static DockerEngine NoEngine() => new(new Uri($"unix:///tmp/no-engine-{Guid.NewGuid():N}.sock"));

    [Fact]
    public async Task A_missing_dockerfile_stops_the_build_before_any_service_starts()
    {
        using var present = new TemporaryServiceFolder("fastapi");
        using var missing = new TemporaryServiceFolder("mcp");
        var images = new[] { ImageTagger.ImageFor(present.Service, "127.0.0.1:1", null), ImageTagger.ImageFor(missing.Service, "127.0.0.1:1", null) };
        missing.Delete("Dockerfile");
        using var engine = NoEngine();
        using var registry = new RegistryClient();
        var log = new RecordingStepLog();

        var act = () => new ImageBuilder(engine, registry).BuildAsync(images, new ImageBuildOptions(), log);

        (await act.Should().ThrowAsync<PipelineException>()).WithMessage("mcp: Dockerfile missing at *");
        log.Lines.Should().BeEmpty();
    }

    [Fact]
    public async Task A_dry_run_says_what_it_would_build_and_push_even_when_nothing_answers()
    {
        using var folder = new TemporaryServiceFolder("fastapi");
        var image = ImageTagger.ImageFor(folder.Service, $"127.0.0.1:{FakeRegistry.FreePort()}", null);
        using var engine = NoEngine();
        using var registry = new RegistryClient();
        var log = new RecordingStepLog();

        var built = await new ImageBuilder(engine, registry).BuildAsync([image], new ImageBuildOptions { DryRun = true }, log);
        var pushed = await new ImagePusher(engine, registry).PushAsync([image], null, dryRun: true, log);

        built.Single().Outcome.Should().Be(ImageBuildOutcome.WouldBuild);
        pushed.Single().Outcome.Should().Be(ImagePushOutcome.WouldPush);
        log.Lines.Should().Contain($"info: fastapi: would build {image.Reference} from {folder.Service.DockerfilePath}")
            .And.Contain($"info: fastapi: would push {image.Reference}")
            .And.Contain(l => l.StartsWith("warn: fastapi: cannot tell whether"));
    }

    [Fact]
    public async Task Building_without_an_engine_fails_with_the_engine_message()
    {
        using var folder = new TemporaryServiceFolder("fastapi");
        var image = ImageTagger.ImageFor(folder.Service, "127.0.0.1:1", null);
        using var engine = NoEngine();
        using var registry = new RegistryClient();

        var act = () => new ImageBuilder(engine, registry).BuildAsync([image], new ImageBuildOptions { CheckRegistry = false }, new RecordingStepLog());

        (await act.Should().ThrowAsync<PipelineException>()).WithMessage("The Docker engine is not running: *");
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task Without_an_engine_tags_go_by_base_image_names_with_one_warning_and_never_fail(bool dryRun, bool pull)
    {
        using var fastapi = new TemporaryServiceFolder("fastapi");
        using var mcp = new TemporaryServiceFolder("mcp");
        using var engine = NoEngine();
        var log = new RecordingStepLog();

        var images = await ImageTagger.ImagesForAsync(
            [fastapi.Service, mcp.Service], "127.0.0.1:1", new ImageBuildOptions { DryRun = dryRun, Pull = pull }, engine, log);

        images.Select(i => i.Tag).Should().Equal(ImageTagger.ComputeTag(fastapi.Service, null), ImageTagger.ComputeTag(mcp.Service, null));
        log.Lines.Where(l => l.StartsWith("warn: ")).Should().ContainSingle().Which.Should()
            .StartWith($"warn: {ImageTagger.NameOnlyWarning}: The Docker engine is not running: nothing listens at {engine.Endpoint}")
            .And.Contain(", for python:3.13.9-slim-trixie.")
            .And.EndWith("the real run may use other tags.");
        log.Lines.Should().Contain("info: fastapi: base python:3.13.9-slim-trixie = name only (no digest)")
            .And.Contain("info: mcp: base python:3.13.9-slim-trixie = name only (no digest)");
    }
}
