using Pipeline.Build.Aws.Clients;

namespace Pipeline.Build.Tests.Aws.Clients;

public sealed class AwsServiceExceptionTests
{
    [Theory]
    [InlineData(400, "Throttling", true)]
    [InlineData(400, "ThrottlingException", true)]
    [InlineData(429, "Whatever", true)]
    [InlineData(500, "InternalFailure", true)]
    [InlineData(503, "ServiceUnavailable", true)]
    [InlineData(400, "ValidationError", false)]
    [InlineData(400, "AccessDeniedException", false)]
    public void Throttling_and_server_errors_are_retried_client_errors_are_not(int status, string code, bool retryable)
    {
        new AwsServiceException("ecs", "DescribeServices", status, code, "text").IsRetryable.Should().Be(retryable);
    }

    [Fact]
    public void The_message_names_service_operation_code_and_text()
    {
        new AwsServiceException("cloudformation", "CreateChangeSet", 400, "ValidationError", "Template format error")
            .Message.Should().Be("cloudformation CreateChangeSet failed (400 ValidationError): Template format error");
    }

    [Fact]
    public void An_ECR_login_never_prints_its_password()
    {
        var login = new EcrAuthorization("123.dkr.ecr.eu-west-1.amazonaws.com", "AWS", "s3cr3t-token", DateTimeOffset.UnixEpoch);

        $"{login}".Should().Contain("123.dkr.ecr.eu-west-1.amazonaws.com").And.NotContain("s3cr3t-token");
    }
}
