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

    [Theory]
    [InlineData(400, "UnknownOperationException", true)]
    [InlineData(501, "Not Implemented", false)]
    [InlineData(500, "INTERNAL SERVER ERROR", false)]
    public void An_operation_the_endpoint_does_not_know_is_recognised_and_not_retried(int status, string code, bool carriesServiceErrorCode)
    {
        var unknown = new AwsServiceException("ecs", "ListServiceDeployments", status, code, "") { CarriesServiceErrorCode = carriesServiceErrorCode };

        unknown.IsUnknownOperation.Should().BeTrue();
        unknown.IsRetryable.Should().BeFalse();
    }

    [Fact]
    public void A_server_error_in_the_services_own_words_is_an_error_to_retry_not_an_unknown_operation()
    {
        var failure = new AwsServiceException("ecs", "ListServiceDeployments", 500, "ServerException", "try again");

        failure.IsUnknownOperation.Should().BeFalse();
        failure.IsRetryable.Should().BeTrue();
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
