using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Clients;

/// <summary>
/// Where and as whom the pipeline talks to AWS: a region, the SDK's credentials and the endpoint overrides.
/// <see cref="FromEnvironment"/> uses the SDK's default chains (env, profiles, SSO, web identity,
/// container and instance metadata); tests build one explicitly instead of touching process env.
/// </summary>
public sealed class AwsConnection(string region, AWSCredentials credentials, Func<string, string?> environment)
{
    public string Region { get; } = region;

    /// <summary>The ARN partition of <see cref="Region"/>.</summary>
    public string Partition => PartitionOf(Region);

    public static string PartitionOf(string region) =>
        region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn" : region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov" : "aws";

    /// <summary>SDK credentials; resolved (and refreshed) by the SDK on every request, never logged.</summary>
    public AWSCredentials Credentials { get; } = credentials;

    /// <summary>Retry policy for every client built on this connection.</summary>
    public AwsRetryOptions Retry { get; init; } = new();

    /// <param name="region">--aws-region; else the profile's region, then the SDK's resolution (AWS_REGION, the default profile).</param>
    /// <param name="profile">--aws-profile (or AWS_PROFILE): a profile of the shared config and credentials files, including
    /// SSO, assume-role and credential-process profiles; null for the SDK's default chain.</param>
    public static AwsConnection FromEnvironment(string? region = null, string? profile = null)
    {
        var named = profile is null ? null : RequireProfile(profile);
        var resolvedRegion = ResolveRegion(region, named)
            ?? throw new PipelineException(
                "AWS region: none configured. Pass --aws-region <region> (or set AWS_REGION), or set a region in your AWS profile" +
                (profile is null ? "" : $" '{profile}'") + ".");
        AWSCredentials credentials;
        try
        {
            credentials = named is null
                ? DefaultAWSCredentialsIdentityResolver.GetCredentials()
                : named.GetAWSCredentials(Profiles);
        }
        catch (Exception e) when (e is not PipelineException)
        {
            throw new PipelineException(profile is null
                ? "AWS credentials: none found in the environment, profiles, SSO, web identity or instance metadata. " +
                  "Run 'aws sso login' or 'aws configure', pass --aws-profile <name>, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY."
                : $"AWS profile '{profile}' has no usable credentials: {e.Message.TrimEnd('.')}. " +
                  $"Fix it in your AWS config (for SSO: 'aws sso login --profile {profile}'), or pass another --aws-profile.", e);
        }
        return new AwsConnection(resolvedRegion, credentials, Environment.GetEnvironmentVariable);
    }

    /// <summary>The region that applies without calling AWS, or null when none is configured.</summary>
    public static string? ResolveRegion(string? region, string? profile) =>
        ResolveRegion(region, profile is null ? null : RequireProfile(profile));

    static string? ResolveRegion(string? region, CredentialProfile? profile) =>
        region ?? profile?.Region?.SystemName ?? FallbackRegionFactory.GetRegionEndpoint()?.SystemName;

    static CredentialProfileStoreChain Profiles => new();

    /// <summary>
    /// The named profile of the shared AWS files (<c>~/.aws/config</c>, <c>~/.aws/credentials</c>, or AWS_CONFIG_FILE /
    /// AWS_SHARED_CREDENTIALS_FILE). An unknown name fails here, naming the profiles that exist, so a deploy never falls
    /// back to the default credentials and lands in another account.
    /// </summary>
    public static CredentialProfile RequireProfile(string profile)
    {
        var chain = Profiles;
        if (chain.TryGetProfile(profile, out var found))
            return found;
        var existing = chain.ListProfiles().Select(p => p.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        throw new PipelineException(
            $"AWS profile '{profile}' (--aws-profile / AWS_PROFILE) does not exist in your AWS config and credentials files. " +
            (existing.Count == 0
                ? "There are no profiles at all: create one with 'aws configure --profile <name>' or 'aws configure sso'. "
                : $"Profiles: {string.Join(", ", existing)}. {Suggestion.For(profile, existing)}") +
            "Nothing was run.");
    }

    /// <summary>
    /// The endpoint for <paramref name="service"/>: <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c>, then <c>AWS_ENDPOINT_URL</c>,
    /// then the public regional endpoint.
    /// </summary>
    public Uri EndpointFor(AwsService service) =>
        OverrideFor(service) ?? new Uri(service.GlobalHost is { } host ? $"https://{host}/" : $"https://{service.EndpointPrefix}.{Region}.amazonaws.com/");

    /// <summary>The region requests to <paramref name="service"/> are signed for: a global service's own, else the connection's.</summary>
    public string SigningRegionFor(AwsService service) => service.SigningRegion ?? Region;

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

/// <summary>Retries on throttling and 5xx: jittered exponential backoff starting at <see cref="BaseDelay"/>.</summary>
public sealed record AwsRetryOptions
{
    public int MaxRetries { get; init; } = 6;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(400);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Per attempt; a hung connection becomes a retryable failure rather than a hung deploy.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// How to reach and sign for one AWS service API: the name it signs with, the host prefix of its
/// public endpoint, and the suffix of its <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c> override.
/// </summary>
public sealed record AwsService(string SigningName, string EndpointPrefix, string EndpointVariableSuffix)
{
    public static readonly AwsService CloudFormation = new("cloudformation", "cloudformation", "CLOUDFORMATION");
    public static readonly AwsService Ecs = new("ecs", "ecs", "ECS");
    public static readonly AwsService Ecr = new("ecr", "api.ecr", "ECR");
    public static readonly AwsService ElasticLoadBalancingV2 = new("elasticloadbalancing", "elasticloadbalancing", "ELASTIC_LOAD_BALANCING_V2");
    public static readonly AwsService CloudWatchLogs = new("logs", "logs", "CLOUDWATCH_LOGS");

    /// <summary>CloudWatch metrics: signed as <c>monitoring</c>, its IAM actions are <c>cloudwatch:*</c>.</summary>
    public static readonly AwsService CloudWatch = new("monitoring", "monitoring", "CLOUDWATCH") { IamPrefix = "cloudwatch" };
    public static readonly AwsService S3 = new("s3", "s3", "S3");
    public static readonly AwsService Sts = new("sts", "sts", "STS");
    public static readonly AwsService Ssm = new("ssm", "ssm", "SSM");
    public static readonly AwsService SecretsManager = new("secretsmanager", "secretsmanager", "SECRETS_MANAGER");
    public static readonly AwsService CognitoIdentityProvider = new("cognito-idp", "cognito-idp", "COGNITO_IDENTITY_PROVIDER");
    public static readonly AwsService Ec2 = new("ec2", "ec2", "EC2");
    public static readonly AwsService ServiceQuotas = new("servicequotas", "servicequotas", "SERVICE_QUOTAS");

    /// <summary>IAM is global: one endpoint, requests signed for us-east-1 (the aws partition's IAM region).</summary>
    public static readonly AwsService Iam = new("iam", "iam", "IAM") { GlobalHost = "iam.amazonaws.com", SigningRegion = "us-east-1" };

    /// <summary>The host of a global service's one endpoint; null for a regional service.</summary>
    public string? GlobalHost { get; init; }

    /// <summary>The region a global service's requests are signed for; null: the connection's region.</summary>
    public string? SigningRegion { get; init; }

    /// <summary>The prefix of the service's IAM actions: its signing name, unless the two differ.</summary>
    public string IamPrefix
    {
        get => iamPrefix ?? SigningName;
        init => iamPrefix = value;
    }

    readonly string? iamPrefix;

    public string EndpointVariable => "AWS_ENDPOINT_URL_" + EndpointVariableSuffix;
}
