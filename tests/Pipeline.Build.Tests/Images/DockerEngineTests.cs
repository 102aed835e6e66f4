using Pipeline.Build.Docker;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Images;

public class DockerEngineTests
{
    [Fact]
    public async Task An_engine_that_does_not_answer_is_a_clear_error_saying_how_to_start_it()
    {
        var socket = $"unix:///tmp/no-engine-{Guid.NewGuid():N}.sock";
        using var engine = new DockerEngine(new Uri(socket));

        var act = () => engine.ConnectAsync();

        (await act.Should().ThrowAsync<PipelineException>())
            .WithMessage($"Docker engine not reachable at {socket}: *Start Docker*.ci/setup*");
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
