using System.Formats.Tar;
using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Build.Images;
using Pipeline.IntegrationTests.Infrastructure;

namespace Pipeline.IntegrationTests.Images;

/// <summary>
/// The real mcp image made by the host image path (a publish on this machine, then the Dockerfile's runtime-base stage
/// plus one layer), against the one its Dockerfile makes (the fixture's first build). Needs the .NET SDK these tests
/// run with, whose major version is the Dockerfile's; --image-build host fails rather than falls back when it is not.
/// </summary>
[Collection(ImagesCollection.Name)]
public sealed class HostImagePathTests(BuiltServicesFixture fixture)
{
    [RegistryFact]
    public async Task The_host_built_mcp_image_matches_the_dockerfile_image_in_user_entrypoint_env_labels_healthcheck_and_app_files_and_answers_its_health_path()
    {
        fixture.EnsureBuilt();
        var fromDockerfile = fixture.FirstBuild.Single(b => b.Image.Service.Name == "mcp").Image;
        var log = new RecordingStepLog();

        var (fromHost, outcome) = await BuildOnHostAsync(fixture.Namespace, log);

        outcome.Should().Be(ImageBuildOutcome.Built, string.Join("\n", log.Lines.TakeLast(40)));
        fromHost.HostPublish.Should().NotBeNull();
        fromHost.Tag.Should().NotBe(fromDockerfile.Tag, "the host's SDK compiles it, so its bytes can differ from the Dockerfile's");
        log.Lines.Should().Contain(l => l.Contains("published on the host in"));

        var docker = await fixture.Engine.ConnectAsync();
        var host = (await docker.Images.InspectImageAsync(fromHost.Reference)).Config!;
        var dockerfile = (await docker.Images.InspectImageAsync(fromDockerfile.Reference)).Config!;
        host.User.Should().Be(dockerfile.User).And.Be("mcp:mcp");
        host.Entrypoint.Should().Equal(dockerfile.Entrypoint);
        host.Cmd.Should().BeEquivalentTo(dockerfile.Cmd);
        host.WorkingDir.Should().Be(dockerfile.WorkingDir).And.Be("/app");
        host.StopSignal.Should().Be(dockerfile.StopSignal);
        host.ExposedPorts!.Keys.Should().BeEquivalentTo(dockerfile.ExposedPorts!.Keys);
        host.Volumes!.Keys.Should().BeEquivalentTo(dockerfile.Volumes!.Keys);
        host.Healthcheck.Should().BeEquivalentTo(dockerfile.Healthcheck);
        host.Healthcheck!.Test.Should().Equal("CMD", "/usr/local/bin/healthcheck");
        WithoutTag(host.Env!, fromHost.Tag).Should().Equal(WithoutTag(dockerfile.Env!, fromDockerfile.Tag));
        host.Env.Should().Contain($"SERVICE_VERSION={fromHost.Tag}");
        WithoutTag(host.Labels!, fromHost.Tag).Should().BeEquivalentTo(WithoutTag(dockerfile.Labels!, fromDockerfile.Tag));
        host.Labels.Should().Contain(ImageBuilder.ServiceLabel, "mcp").And.Contain("org.opencontainers.image.version", fromHost.Tag);
        var hostFiles = await FilesUnderAppAsync(docker, fromHost.Reference);
        hostFiles.Should().Contain("app/Mcp.Server.dll 644 0:0");
        hostFiles.Should().Equal(await FilesUnderAppAsync(docker, fromDockerfile.Reference));

        await using var container = await RunningContainer.StartAsync(docker, fromHost.Reference, fromHost.Service);
        var health = await container.WaitForHealthAsync(fromHost.Service.HealthPath, TimeSpan.FromSeconds(90));
        health.Should().Contain(fromHost.Tag, "mcp reports the version it was built as");
    }

    [RegistryFact]
    public async Task An_unchanged_service_on_the_host_path_is_neither_rebuilt_nor_pushed_again()
    {
        fixture.EnsureBuilt();
        var isolated = $"{Requires.LocalRegistry}/it-{Guid.NewGuid():N}"[..(Requires.LocalRegistry.Length + 12)];
        var (first, _) = await BuildOnHostAsync(isolated, new RecordingStepLog());
        var pushed = await new ImagePusher(fixture.Engine, fixture.Registry).PushAsync([first], null, false, new RecordingStepLog());
        var log = new RecordingStepLog();

        var (again, outcome) = await BuildOnHostAsync(isolated, log);
        var pushedAgain = await new ImagePusher(fixture.Engine, fixture.Registry).PushAsync([again], null, false, log);

        pushed.Single().Outcome.Should().Be(ImagePushOutcome.Pushed);
        again.Tag.Should().Be(first.Tag);
        outcome.Should().Be(ImageBuildOutcome.AlreadyInRegistry);
        pushedAgain.Single().Outcome.Should().Be(ImagePushOutcome.AlreadyInRegistry);
        log.Lines.Should().NotContain(l => l.Contains("published on the host in") || l.Contains("building "));
    }

    /// <summary>mcp of the fixture's services, tagged and built with --image-build host; the build servers it started are shut down after.</summary>
    async Task<(ServiceImage Image, ImageBuildOutcome Outcome)> BuildOnHostAsync(string repositoryRoot, RecordingStepLog log)
    {
        var options = fixture.Options with { ImageBuild = ImageBuildMode.Host };
        var image = fixture.Track((await ImageTagger.ImagesForAsync(fixture.Services.Catalog.Services.Where(s => s.Name == "mcp"), repositoryRoot, options, fixture.Engine, log)).Single());
        var servers = new DotnetBuildServers();
        try
        {
            var built = (await new ImageBuilder(fixture.Engine, fixture.Registry, servers).BuildAsync([image], options, log)).Single();
            return (built.Image, built.Outcome);
        }
        finally
        {
            await servers.ShutDownStartedAsync(log, CancellationToken.None);
        }
    }

    static IEnumerable<string> WithoutTag(IEnumerable<string> values, string tag) => values.Select(v => v.Replace(tag, "<tag>"));

    static Dictionary<string, string> WithoutTag(IDictionary<string, string> labels, string tag) =>
        labels.ToDictionary(l => l.Key, l => l.Value.Replace(tag, "<tag>"));

    /// <summary>Every entry under /app with its mode and owner (not its time or bytes: the compilers differ), read from a container never started.</summary>
    static async Task<List<string>> FilesUnderAppAsync(DockerClient docker, string reference)
    {
        var created = await docker.Containers.CreateContainerAsync(new CreateContainerParameters { Image = reference });
        try
        {
            var archive = await docker.Containers.GetArchiveFromContainerAsync(created.ID, new ContainerPathStatParameters { Path = "/app" }, statOnly: false);
            await using var stream = archive.Stream;
            await using var reader = new TarReader(stream!);
            var entries = new List<string>();
            while (await reader.GetNextEntryAsync() is { } entry)
                entries.Add($"{entry.Name.TrimEnd('/')} {Convert.ToString((int)entry.Mode, 8)} {entry.Uid}:{entry.Gid}");
            return entries.Order(StringComparer.Ordinal).ToList();
        }
        finally
        {
            await docker.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true });
        }
    }
}
