using Amazon.Runtime;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Aws.Clients;

public sealed class AwsConnectionTests
{
    static AwsConnection With(params (string Name, string Value)[] variables) =>
        new("eu-west-1", new BasicAWSCredentials("a", "b"), name => variables.FirstOrDefault(v => v.Name == name).Value);

    [Fact]
    public void Without_overrides_each_service_uses_its_public_regional_endpoint()
    {
        var connection = With();

        connection.EndpointFor(AwsService.CloudFormation).Should().Be(new Uri("https://cloudformation.eu-west-1.amazonaws.com/"));
        connection.EndpointFor(AwsService.Ecr).Should().Be(new Uri("https://api.ecr.eu-west-1.amazonaws.com/"));
        connection.EndpointFor(AwsService.ElasticLoadBalancingV2).Should().Be(new Uri("https://elasticloadbalancing.eu-west-1.amazonaws.com/"));
        connection.OverrideFor(AwsService.S3).Should().BeNull();
    }

    [Fact]
    public void The_global_override_applies_to_every_service()
    {
        var connection = With(("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"));

        connection.EndpointFor(AwsService.Ecs).Should().Be(new Uri("http://127.0.0.1:5000/"));
        connection.EndpointFor(AwsService.CloudWatchLogs).Should().Be(new Uri("http://127.0.0.1:5000/"));
    }

    [Fact]
    public void A_per_service_override_wins_over_the_global_one()
    {
        var connection = With(("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"), ("AWS_ENDPOINT_URL_CLOUDFORMATION", "http://127.0.0.1:6000"),
            ("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "http://127.0.0.1:7000"));

        connection.EndpointFor(AwsService.CloudFormation).Should().Be(new Uri("http://127.0.0.1:6000/"));
        connection.EndpointFor(AwsService.ElasticLoadBalancingV2).Should().Be(new Uri("http://127.0.0.1:7000/"));
        connection.EndpointFor(AwsService.Ecs).Should().Be(new Uri("http://127.0.0.1:5000/"));
    }

    [Fact]
    public void An_override_that_is_not_a_URL_is_rejected_naming_the_variable()
    {
        var connection = With(("AWS_ENDPOINT_URL_ECS", "localhost:5000"));

        var resolve = () => connection.EndpointFor(AwsService.Ecs);

        resolve.Should().Throw<PipelineException>().Which.Message.Should().Contain("AWS_ENDPOINT_URL_ECS").And.Contain("localhost:5000");
    }
}
