using Pipeline.Build.Engine;
using Pipeline.Build.Images;

namespace Pipeline.Build.Tests.Images;

public class DockerEngineTests
{
    [Fact]
    public async Task An_engine_whose_socket_does_not_exist_is_reported_as_not_running_with_how_to_start_it()
    {
        var path = $"/tmp/no-engine-{Guid.NewGuid():N}.sock";
        using var engine = new DockerEngine(new Uri("unix://" + path));

        var act = () => engine.ConnectAsync();

        var error = (await act.Should().ThrowAsync<PipelineException>()).Which;
        error.Message.Should().StartWith($"The Docker engine is not running: nothing listens at unix://{path} ({path} does not exist).")
            .And.Contain("systemctl start docker").And.Contain(".ci/setup deploy").And.Contain("DOCKER_HOST")
            .And.NotContain("Cannot assign requested address");
    }

    [Fact]
    public async Task A_socket_file_nobody_listens_on_is_reported_as_not_running()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stale-engine-{Guid.NewGuid():N}.sock");
        // Bound but never listening, like a socket file an engine that stopped left behind: it exists, connecting is refused.
        using var stale = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        stale.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        using var engine = new DockerEngine(new Uri("unix://" + path));

        var act = () => engine.ConnectAsync();

        (await act.Should().ThrowAsync<PipelineException>())
            .WithMessage($"The Docker engine is not running: nothing listens at unix://{path}. Start it*");
    }

    [Fact]
    public async Task A_tcp_engine_address_that_refuses_connections_is_reported_as_not_running()
    {
        using var engine = new DockerEngine(new Uri($"tcp://127.0.0.1:{FreePort()}"));

        var act = () => engine.ConnectAsync();

        (await act.Should().ThrowAsync<PipelineException>()).WithMessage("The Docker engine is not running: nothing listens at tcp://127.0.0.1:*");
    }

    static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public void The_engine_endpoint_comes_from_DOCKER_HOST_when_set()
    {
        var before = Environment.GetEnvironmentVariable("DOCKER_HOST");
        try
        {
            Environment.SetEnvironmentVariable("DOCKER_HOST", "tcp://127.0.0.1:2375");
            DockerEngine.FromEnvironment().Should().Be(new Uri("tcp://127.0.0.1:2375"));
            Environment.SetEnvironmentVariable("DOCKER_HOST", null);
            DockerEngine.FromEnvironment().Should().Be(new Uri(DockerEngine.DefaultEndpoint));
        }
        finally
        {
            Environment.SetEnvironmentVariable("DOCKER_HOST", before);
        }
    }
}
