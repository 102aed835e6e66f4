using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Clients;

/// <summary>
/// The SDK's own clients (S3, STS) configured from the same <see cref="AwsConnection"/> as ours,
/// so the same endpoint overrides, region and credentials apply.
/// </summary>
public static class AwsSdkClients
{
    public static IAmazonS3 CreateS3(AwsConnection connection)
    {
        var config = new AmazonS3Config
        {
            // Checksums only where S3 demands them: emulators and proxies do not all speak aws-chunked trailers.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        Configure(config, connection, AwsService.S3);
        if (connection.OverrideFor(AwsService.S3) is not null)
            config.ForcePathStyle = true;
        return new AmazonS3Client(connection.Credentials, config);
    }

    public static IAmazonSecurityTokenService CreateSts(AwsConnection connection)
    {
        var config = new AmazonSecurityTokenServiceConfig();
        Configure(config, connection, AwsService.Sts);
        return new AmazonSecurityTokenServiceClient(connection.Credentials, config);
    }

    /// <summary>The account the credentials belong to (STS GetCallerIdentity).</summary>
    public static async Task<string> GetAccountIdAsync(AwsConnection connection, CancellationToken ct) =>
        (await GetCallerIdentityAsync(connection, ct)).Account;

    /// <summary>Who the credentials are (STS GetCallerIdentity, which needs no permission): account and principal ARN.</summary>
    public static async Task<CallerIdentity> GetCallerIdentityAsync(AwsConnection connection, CancellationToken ct)
    {
        using var sts = CreateSts(connection);
        try
        {
            var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest(), ct);
            return new CallerIdentity(identity.Account, identity.Arn);
        }
        catch (AmazonServiceException e)
        {
            throw new PipelineException(
                $"AWS account: STS GetCallerIdentity failed ({e.ErrorCode}: {e.Message}). Check that your credentials are valid and not expired (e.g. 'aws sso login').", e);
        }
    }

    static void Configure(ClientConfig config, AwsConnection connection, AwsService service)
    {
        var endpoint = connection.OverrideFor(service);
        if (endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(connection.Region);
            return;
        }
        config.ServiceURL = endpoint.ToString();
        config.AuthenticationRegion = connection.Region;
        config.MaxErrorRetry = connection.Retry.MaxRetries;
    }
}

/// <summary>The account and principal (user, or assumed role and session) of a connection's credentials.</summary>
public sealed record CallerIdentity(string Account, string Arn);
