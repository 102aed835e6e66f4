using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws;

/// <summary>
/// Where and as whom the pipeline talks to AWS: a region, the SDK's credentials and the endpoint overrides.
/// <see cref="FromEnvironment"/> uses the SDK's default chains (env, profiles, SSO, web identity,
/// container and instance metadata); tests build one explicitly instead of touching process env.
/// </summary>
public sealed class AwsConnection(string region, AWSCredentials credentials, Func<string, string?> environment)
{
    public string Region { get; } = region;

    /// <summary>SDK credentials; resolved (and refreshed) by the SDK on every request, never logged.</summary>
    public AWSCredentials Credentials { get; } = credentials;

    /// <summary>Retry policy for every client built on this connection.</summary>
    public AwsRetryOptions Retry { get; init; } = new();

    public static AwsConnection FromEnvironment(string? region = null)
    {
        var resolvedRegion = region
            ?? FallbackRegionFactory.GetRegionEndpoint()?.SystemName
            ?? throw new PipelineException(
                "AWS region: none configured. Set AWS_REGION (or a region in your AWS profile), or pass --region.");
        AWSCredentials credentials;
        try
        {
            credentials = DefaultAWSCredentialsIdentityResolver.GetCredentials();
        }
        catch (Exception e)
        {
            throw new PipelineException(
                "AWS credentials: none found in the environment, profiles, SSO, web identity or instance metadata. " +
                "Run 'aws sso login' or 'aws configure', or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.", e);
        }
        return new AwsConnection(resolvedRegion, credentials, Environment.GetEnvironmentVariable);
    }

    /// <summary>
    /// The endpoint for <paramref name="service"/>: <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then <c>AWS_ENDPOINT_URL</c>,
    /// then the public regional endpoint.
    /// </summary>
    public Uri EndpointFor(AwsService service) => OverrideFor(service) ?? new Uri($"https://{service.EndpointPrefix}.{Region}.amazonaws.com/");

    /// <summary>The configured override for <paramref name="service"/>, or null when the public endpoint applies.</summary>
    public Uri? OverrideFor(AwsService service)
    {
        var configured = NonEmpty(environment(service.EndpointVariable)) ?? NonEmpty(environment("AWS_ENDPOINT_URL"));
        if (configured is null)
            return null;
        if (!Uri.TryCreate(configured, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new PipelineException(
                $"{service.EndpointVariable} / AWS_ENDPOINT_URL: '{configured}' is not an http(s) URL. Set it to e.g. http://127.0.0.1:5000 or unset it.");
        return uri;
    }

    static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
