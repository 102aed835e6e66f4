using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws;

/// <summary>
/// Holds templates too large to pass inline (over 51,200 bytes) in an S3 bucket the pipeline owns:
/// <c>apigw-templates-&lt;account&gt;-&lt;region&gt;</c>, private and encrypted, keys <c>&lt;stack&gt;/&lt;sha256&gt;.json</c>.
/// </summary>
public sealed class TemplateStore(IAmazonS3 s3, string bucketName, string region)
{
    public const int InlineTemplateLimit = 51_200;

    public string BucketName { get; } = bucketName;

    public static string BucketNameFor(string accountId, string region) => $"apigw-templates-{accountId}-{region}";

    public static async Task<TemplateStore> ForAccountAsync(AwsConnection connection, CancellationToken ct)
    {
        var account = await AwsSdkClients.GetAccountIdAsync(connection, ct);
        return new TemplateStore(AwsSdkClients.CreateS3(connection), BucketNameFor(account, connection.Region), connection.Region);
    }

    /// <summary>Uploads <paramref name="templateBody"/> (content-addressed, so a re-upload is harmless) and returns its TemplateURL.</summary>
    public async Task<string> UploadAsync(string stackName, string templateBody, IStepLog log, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(templateBody);
        var key = $"{stackName}/{Convert.ToHexStringLower(SHA256.HashData(bytes))}.json";
        try
        {
            await EnsureBucketAsync(log, ct);
            using var content = new MemoryStream(bytes);
            await s3.PutObjectAsync(new PutObjectRequest
            {
                BucketName = BucketName,
                Key = key,
                InputStream = content,
                ContentType = "application/json",
                ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256,
            }, ct);
        }
        catch (AmazonS3Exception e)
        {
            throw new PipelineException(
                $"Template bucket {BucketName}: uploading {key} failed ({e.ErrorCode}: {e.Message}). " +
                "Check that the deploy role may create and write this bucket (s3:CreateBucket, s3:PutObject, s3:PutEncryptionConfiguration, s3:PutBucketPublicAccessBlock).", e);
        }
        log.Detail($"template ({bytes.Length:N0} bytes) uploaded to s3://{BucketName}/{key}");
        return $"https://{BucketName}.s3.{region}.amazonaws.com/{key}";
    }

    async Task EnsureBucketAsync(IStepLog log, CancellationToken ct)
    {
        try
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = BucketName, BucketRegion = region == "us-east-1" ? null : region }, ct);
            log.Info($"created template bucket {BucketName}");
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou")
        {
            return;
        }
        await s3.PutPublicAccessBlockAsync(new PutPublicAccessBlockRequest
        {
            BucketName = BucketName,
            PublicAccessBlockConfiguration = new PublicAccessBlockConfiguration
            {
                BlockPublicAcls = true, BlockPublicPolicy = true, IgnorePublicAcls = true, RestrictPublicBuckets = true,
            },
        }, ct);
        await s3.PutBucketEncryptionAsync(new PutBucketEncryptionRequest
        {
            BucketName = BucketName,
            ServerSideEncryptionConfiguration = new ServerSideEncryptionConfiguration
            {
                ServerSideEncryptionRules = [new ServerSideEncryptionRule { ServerSideEncryptionByDefault = new ServerSideEncryptionByDefault { ServerSideEncryptionAlgorithm = ServerSideEncryptionMethod.AES256 } }],
            },
        }, ct);
    }
}
