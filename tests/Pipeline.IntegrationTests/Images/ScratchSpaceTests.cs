using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Build.Local;

namespace Pipeline.IntegrationTests.Images;

/// <summary>
/// Each real service image, started exactly as the local platform starts it (<see cref="LocalContainerSpec.ToCreateParameters"/>:
/// user 10001, read-only root filesystem, an empty volume on /tmp filled only from the image's VOLUME, as Fargate's bind
/// mount is), can write to /tmp as its own user and cannot write anywhere else.
/// </summary>
[Collection(ImagesCollection.Name)]
public sealed class ScratchSpaceTests(BuiltServicesFixture fixture)
{
    [RegistryFact]
    public async Task Every_service_writes_to_tmp_as_its_user_and_cannot_write_to_the_root_filesystem()
    {
        fixture.EnsureBuilt();
        var docker = await fixture.Engine.ConnectAsync();
        var naming = new LocalPlatformNaming($"it-scratch-{Guid.NewGuid():N}"[..19], $"it-scratch-{Guid.NewGuid():N}");
        foreach (var image in fixture.FirstBuild.Select(b => b.Image))
        {
            var service = image.Service;
            service.ReadOnlyRootFilesystem.Should().BeTrue($"{service.Name} runs with a read-only root filesystem on Fargate");
            var spec = LocalContainerSpec.For(image, fixture.Services.Catalog, naming, gatewayPort: LoopbackPorts.Reserve(), "scratch-test")
                .On(LoopbackPorts.Reserve(), naming.ContainerName(service.Name));
            var declared = LocalContainerSpec.DeclaresScratchVolume(await docker.Images.InspectImageAsync(image.Reference));
            declared.Should().BeTrue($"{service.Name}'s Dockerfile must declare VOLUME /tmp, or Fargate mounts /tmp root-owned and read-only to user 10001");

            var created = await docker.Containers.CreateContainerAsync(spec.ToCreateParameters(declared));
            try
            {
                await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
                await WaitForHealthAsync(docker, created.ID, spec);

                var user = await ExecAsync(docker, created.ID, "id -u; id -g; stat -c '%u:%g' /tmp");
                user.Should().Be((0, "10001\n10001\n10001:10001\n", ""), $"{service.Name} runs as 10001 and owns /tmp");

                var write = await ExecAsync(docker, created.ID, "echo scratch > /tmp/probe && cat /tmp/probe");
                write.Should().Be((0, "scratch\n", ""), $"{service.Name} writes its temp files to /tmp");

                var root = await ExecAsync(docker, created.ID, "echo nope > /probe");
                root.ExitCode.Should().NotBe(0, $"{service.Name}'s root filesystem is read-only");
                root.Error.Should().Contain("Read-only file system", service.Name);
            }
            finally
            {
                await docker.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true });
            }
        }
    }

    static async Task WaitForHealthAsync(DockerClient docker, string id, LocalContainerSpec spec)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.UntilAsync($"{spec.HealthUrl} to answer 200",
            async () =>
            {
                try
                {
                    using var response = await http.GetAsync(spec.HealthUrl);
                    return response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    return (HttpStatusCode)0;
                }
            },
            status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(90), every: TimeSpan.FromMilliseconds(500),
            details: async () => $"Container log:\n{await LogsAsync(docker, id)}");
    }

    /// <summary>Runs a shell command in the container as its own user (the exec inherits the container's).</summary>
    static async Task<(long ExitCode, string Output, string Error)> ExecAsync(DockerClient docker, string id, string command)
    {
        var exec = await docker.Exec.CreateContainerExecAsync(id, new ContainerExecCreateParameters
        {
            Cmd = ["sh", "-c", command],
            AttachStdout = true,
            AttachStderr = true,
        });
        using var stream = await docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), CancellationToken.None);
        var (output, error) = await stream.ReadOutputToEndAsync(CancellationToken.None);
        var inspected = await docker.Exec.InspectContainerExecAsync(exec.ID);
        return (inspected.ExitCode ?? -1, output, error);
    }

    static async Task<string> LogsAsync(DockerClient docker, string id)
    {
        using var stream = await docker.Containers.GetContainerLogsAsync(id, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Tail = "50" });
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(CancellationToken.None);
        return stdout + stderr;
    }
}
