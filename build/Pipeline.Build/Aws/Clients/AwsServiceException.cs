using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Clients;

/// <summary>An AWS API answered with an error. The message holds the service's own code and text, never request headers.</summary>
public sealed class AwsServiceException(string service, string operation, int statusCode, string errorCode, string errorMessage)
    : PipelineException($"{service} {operation} failed ({statusCode} {errorCode}): {errorMessage}")
{
    static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    };

    public string Service { get; } = service;

    public string Operation { get; } = operation;

    public int StatusCode { get; } = statusCode;

    public string ErrorCode { get; } = errorCode;

    public string ErrorMessage { get; } = errorMessage;

    public bool IsThrottling => ThrottlingCodes.Contains(ErrorCode) || StatusCode == 429;

    public bool IsRetryable => IsThrottling || StatusCode >= 500;
}
