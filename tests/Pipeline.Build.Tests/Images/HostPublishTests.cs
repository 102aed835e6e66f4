using Pipeline.Build.Engine;
using Pipeline.Build.Images;

namespace Pipeline.Build.Tests.Images;

public class HostPublishTests
{
    const string DotnetDockerfile = """
        ARG BASE_IMAGE_PREFIX=""
        FROM ${BASE_IMAGE_PREFIX}mcr.microsoft.com/dotnet/aspnet:10.0.0 AS runtime-base
        WORKDIR /app
        USER app
        ENTRYPOINT ["dotnet", "/app/Svc.dll"]

        FROM ${BASE_IMAGE_PREFIX}mcr.microsoft.com/dotnet/sdk:10.0.100 AS build
        COPY . .
        RUN dotnet publish Svc.csproj -c Release -o /out -p:UseAppHost=false

        FROM runtime-base AS runtime
        COPY --from=build /out ./
        """;

    static readonly HostDotnetSdk Sdk10 = new("10.0.401", "/usr/bin/dotnet");

    static TemporaryServiceFolder DotnetService(string dockerfile = DotnetDockerfile) =>
        new TemporaryServiceFolder().Write("Dockerfile", dockerfile).Write("Svc.csproj", "<Project Sdk=\"Microsoft.NET.Sdk.Web\" />");

    [Fact]
    public void A_dotnet_service_is_published_on_the_host_when_the_host_sdk_has_the_dockerfiles_major_version()
    {
        using var folder = DotnetService();
        var log = new RecordingStepLog();

        var publish = HostPublish.Choose(folder.Service, ImageBuildMode.Auto, DotnetDockerfile, Sdk10, null, log);

        publish.Should().NotBeNull();
        publish!.ProjectPath.Should().Be(Path.Combine(folder.Directory, "Svc.csproj"));
        log.Lines.Should().ContainSingle(l => l.StartsWith("info: image path: host, a publish with .NET SDK 10.0.401"));
    }

    [Fact]
    public void Auto_builds_in_the_dockerfile_and_says_why_when_the_host_has_no_sdk_or_another_major_version()
    {
        using var folder = DotnetService();
        var log = new RecordingStepLog();

        HostPublish.Choose(folder.Service, ImageBuildMode.Auto, DotnetDockerfile, null, null, log).Should().BeNull();
        HostPublish.Choose(folder.Service, ImageBuildMode.Auto, DotnetDockerfile, new HostDotnetSdk("9.0.300", "/usr/bin/dotnet"), null, log).Should().BeNull();

        log.Lines.Should().Equal(
            "info: built from its Dockerfile: no .NET SDK answers `dotnet --version` here (the Dockerfile builds with SDK 10); a .NET 10 SDK here would publish it on the host, which is faster",
            "info: built from its Dockerfile: the host's .NET SDK is 9.0.300, and the Dockerfile builds with SDK 10; a .NET 10 SDK here would publish it on the host, which is faster");
    }

    [Fact]
    public void Host_fails_naming_the_service_the_sdk_and_both_ways_out_when_the_host_sdk_does_not_fit()
    {
        using var folder = DotnetService();

        var act = () => HostPublish.Choose(folder.Service, ImageBuildMode.Host, DotnetDockerfile, new HostDotnetSdk("11.0.100", "/usr/bin/dotnet"), null, new RecordingStepLog());

        act.Should().Throw<PipelineException>().WithMessage(
            "svc: --image-build host publishes on the host, but the host's .NET SDK is 11.0.100, and the Dockerfile builds with SDK 10. " +
            "Install the .NET 10 SDK, or build with --image-build auto (or dockerfile), which builds it in the Dockerfile.");
    }

    [Fact]
    public void Dockerfile_mode_and_a_dockerfile_without_a_runtime_base_stage_always_build_in_the_dockerfile()
    {
        using var dotnet = DotnetService();
        using var python = new TemporaryServiceFolder();
        var log = new RecordingStepLog();

        HostPublish.Choose(dotnet.Service, ImageBuildMode.Dockerfile, DotnetDockerfile, Sdk10, null, log).Should().BeNull();
        HostPublish.Choose(python.Service, ImageBuildMode.Host, File.ReadAllText(python.Service.DockerfilePath), Sdk10, null, log).Should().BeNull();

        log.Lines.Should().BeEmpty("neither could have been published on the host");
    }

    [Theory]
    [InlineData("FROM runtime-base AS runtime\nCOPY --from=build /out ./\nRUN rm -rf /app/extra\n", "its last stage must be `FROM runtime-base` with `COPY --from=build /out ./` and nothing else")]
    [InlineData("FROM runtime-base AS runtime\nCOPY --from=build /out /srv/\n", "its last stage must be `FROM runtime-base`")]
    [InlineData("FROM runtime-base AS runtime\nCOPY --from=build /out ./\nFROM build AS tests\n", "its last stage must be `FROM runtime-base`")]
    public void A_last_stage_that_adds_anything_to_runtime_base_keeps_the_dockerfile_path_with_a_warning(string lastStage, string problem)
    {
        var dockerfile = DotnetDockerfile[..DotnetDockerfile.IndexOf("FROM runtime-base", StringComparison.Ordinal)] + lastStage;
        using var folder = DotnetService(dockerfile);
        var log = new RecordingStepLog();

        HostPublish.Choose(folder.Service, ImageBuildMode.Auto, dockerfile, Sdk10, null, log).Should().BeNull();
        var act = () => HostPublish.Choose(folder.Service, ImageBuildMode.Host, dockerfile, Sdk10, null, new RecordingStepLog());

        log.Lines.Should().ContainSingle().Which.Should().StartWith("warn: built from its Dockerfile: its Dockerfile does not fit the host image path: " + problem);
        act.Should().Throw<PipelineException>().WithMessage($"svc: --image-build host publishes on the host, but its Dockerfile does not fit*Fix *Dockerfile, or build with --image-build dockerfile.");
    }

    [Fact]
    public void Runtime_base_must_be_the_first_stage_so_that_building_it_never_runs_the_sdk_stage()
    {
        var sdkFirst = """
            FROM mcr.microsoft.com/dotnet/sdk:10.0.100 AS build
            RUN dotnet publish -o /out
            FROM mcr.microsoft.com/dotnet/aspnet:10.0.0 AS runtime-base
            FROM runtime-base
            COPY --from=build /out ./
            """;
        using var folder = DotnetService(sdkFirst);
        var log = new RecordingStepLog();

        HostPublish.Choose(folder.Service, ImageBuildMode.Auto, sdkFirst, Sdk10, null, log).Should().BeNull();

        log.Lines.Should().ContainSingle().Which.Should().Contain("runtime-base must be the first stage");
    }

    [Fact]
    public void The_host_published_tag_differs_from_the_dockerfile_tag_and_follows_the_host_sdk()
    {
        using var folder = DotnetService();
        var dockerfileTag = ImageTagger.ComputeTag(folder.Service, null);
        var baseImages = ImageTagger.BaseImagesOf(folder.Service, null).Select(new NameOnlyBaseImageResolver().Resolve).ToList();
        var project = Path.Combine(folder.Directory, "Svc.csproj");

        var hostTag = ImageTagger.ComputeTag(folder.Service, null, baseImages, new HostPublish(project, Sdk10));

        hostTag.Should().NotBe(dockerfileTag, "the host's SDK compiles it, so its bytes can differ from the Dockerfile's");
        ImageTagger.ComputeTag(folder.Service, null, baseImages, new HostPublish(project, Sdk10 with { DotnetPath = "/opt/dotnet/dotnet" }))
            .Should().Be(hostTag, "the same sources and SDK give the same tag, so an unchanged service is neither rebuilt nor pushed");
        ImageTagger.ComputeTag(folder.Service, null, baseImages, new HostPublish(project, Sdk10 with { Version = "10.0.402" }))
            .Should().NotBe(hostTag, "a new host SDK may compile other bytes");
    }

    [Fact]
    public void The_host_published_tag_does_not_depend_on_where_the_sources_sit()
    {
        using var original = DotnetService();
        using var copy = original.CopyElsewhere();
        var baseImages = ImageTagger.BaseImagesOf(original.Service, null).Select(new NameOnlyBaseImageResolver().Resolve).ToList();

        ImageTagger.ComputeTag(copy.Service, null, baseImages, new HostPublish(Path.Combine(copy.Directory, "Svc.csproj"), Sdk10))
            .Should().Be(ImageTagger.ComputeTag(original.Service, null, baseImages, new HostPublish(Path.Combine(original.Directory, "Svc.csproj"), Sdk10)));
    }

    [Fact]
    public void The_publish_compiles_like_the_dockerfile_and_maps_the_source_folder_to_the_dockerfiles_src()
    {
        using var folder = DotnetService();
        var publish = new HostPublish(Path.Combine(folder.Directory, "Svc.csproj"), Sdk10);

        var arguments = publish.PublishArguments("/tmp/out");

        arguments.Should().ContainInOrder("publish", publish.ProjectPath, "-c", "Release", "-p:UseAppHost=false", "-o", "/tmp/out");
        arguments.Should().Contain($"-p:PathMap={folder.Directory}{Path.DirectorySeparatorChar}=/src/");
    }

    [Fact]
    public void The_thin_dockerfile_is_the_runtime_base_image_plus_the_published_folder_and_the_labels_in_one_step()
    {
        var dockerfile = HostPublish.ThinDockerfile("sha256:abc", new Dictionary<string, string> { ["pipeline.service"] = "mcp", ["org.opencontainers.image.version"] = "0123" });

        dockerfile.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Should().Equal(
            "FROM sha256:abc",
            "COPY app/ ./",
            "LABEL \"org.opencontainers.image.version\"=\"0123\" \"pipeline.service\"=\"mcp\"");
    }

    [Fact]
    public void Dockerfile_stages_have_their_names_base_images_and_instructions()
    {
        var stages = DockerfileStages.Parse(DotnetDockerfile, new Dictionary<string, string> { ["BASE_IMAGE_PREFIX"] = "127.0.0.1:5000/" });

        stages.Select(s => (s.Name, s.From)).Should().Equal(
            ("runtime-base", "127.0.0.1:5000/mcr.microsoft.com/dotnet/aspnet:10.0.0"),
            ("build", "127.0.0.1:5000/mcr.microsoft.com/dotnet/sdk:10.0.100"),
            ("runtime", "runtime-base"));
        stages[^1].Instructions.Should().Equal("COPY --from=build /out ./");
    }

    [Fact]
    public void The_real_mcp_dockerfile_fits_the_host_image_path()
    {
        var services = Pipeline.Manifests.ServiceCatalog.Load(Pipeline.Manifests.ServiceCatalog.FindServicesDirectory());
        var mcp = services["mcp"];
        var log = new RecordingStepLog();

        var publish = HostPublish.Choose(mcp, ImageBuildMode.Host, File.ReadAllText(mcp.DockerfilePath), Sdk10, "127.0.0.1:5000", log);

        publish.Should().NotBeNull(string.Join("\n", log.Lines));
        HostPublish.Choose(services["fastapi"], ImageBuildMode.Host, File.ReadAllText(services["fastapi"].DockerfilePath), Sdk10, null, log)
            .Should().BeNull("fastapi is not a .NET service");
    }
}
