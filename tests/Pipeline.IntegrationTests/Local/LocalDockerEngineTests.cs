using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Build.Local;

namespace Pipeline.IntegrationTests.Local;

public sealed class LocalDockerEngineTests
{
    [Fact]
    public async Task An_unreachable_engine_is_reported_with_how_to_start_docker()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"no-docker-{Guid.NewGuid():N}.sock");

        using var engine = new DockerEngine(new Uri($"unix://{socket}"));
        var connect = () => engine.ConnectAsync();

        await connect.Should().ThrowAsync<PipelineException>()
            .WithMessage($"The Docker engine is not running: nothing listens at unix://{socket}*Start it*DOCKER_HOST*");
    }

    [Fact]
    public void A_listening_port_is_traced_to_the_process_that_holds_it()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;

        var holder = ListeningPortHolder.Find(port);

        holder.Should().NotBeNull();
        holder!.ProcessId.Should().Be(Environment.ProcessId);
        holder.Describe().Should().Contain($"port {port}").And.Contain($"pid {Environment.ProcessId}");
    }

    [Fact]
    public void A_free_port_has_no_holder()
    {
        ListeningPortHolder.Find(TestServicesFolder.FreePort()).Should().BeNull();
    }
}
