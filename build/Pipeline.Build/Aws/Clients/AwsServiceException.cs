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

    /// <summary>
    /// Whether the answer carried the service's own error code (a JSON <c>__type</c> or an XML <c>Code</c>); false for an
    /// HTML page or an empty body, which come from something in front of the API or from an emulator, never from AWS itself.
    /// </summary>
    public bool CarriesServiceErrorCode { get; init; } = true;

    public bool IsThrottling => ThrottlingCodes.Contains(ErrorCode) || StatusCode == 429;

    /// <summary>
    /// The endpoint does not know <see cref="Operation"/>: AWS answers UnknownOperationException (an API newer than the
    /// endpoint), emulators answer 501, or (moto) a bare 500 page. Asking again gives the same answer.
    /// </summary>
    public bool IsUnknownOperation =>
        ErrorCode is "UnknownOperationException" or "InvalidAction" or "NotImplemented" or "NotImplementedException"
        || StatusCode == 501
        || (StatusCode == 500 && !CarriesServiceErrorCode);

    public bool IsRetryable => !IsUnknownOperation && (IsThrottling || StatusCode >= 500);
}
