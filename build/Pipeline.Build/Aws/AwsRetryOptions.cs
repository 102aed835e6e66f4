namespace Pipeline.Build.Aws;

/// <summary>Retries on throttling and 5xx: jittered exponential backoff starting at <see cref="BaseDelay"/>.</summary>
public sealed record AwsRetryOptions
{
    public int MaxRetries { get; init; } = 6;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(400);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Per attempt; a hung connection becomes a retryable failure rather than a hung deploy.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
