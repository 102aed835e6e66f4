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

    /// <summary>Where the environments' locks are (<see cref="S3EnvironmentLockStore"/>).</summary>
    public const string LocksPrefix = "locks/";

    public static async Task<TemplateStore> ForAccountAsync(AwsConnection connection, CancellationToken ct) =>
        ForAccount(connection, await AwsSdkClients.GetAccountIdAsync(connection, ct));

    public static TemplateStore ForAccount(AwsConnection connection, string account) =>
        new(AwsSdkClients.CreateS3(connection), BucketNameFor(account, connection.Region), connection.Region);

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

    /// <summary>
    /// The objects the bucket holds for one environment: the templates of <paramref name="stackNames"/> (keys
    /// <c>&lt;stack&gt;/...</c>) and whatever is under <paramref name="prefixes"/> (its deploy history); and how many objects it
    /// holds besides: the bucket is shared by every environment of the account and region.
    /// </summary>
    public async Task<TemplateBucketContents> ReadContentsAsync(IReadOnlyCollection<string> stackNames, IReadOnlyCollection<string> prefixes, CancellationToken ct)
    {
        var keys = new List<string>();
        var others = 0;
        try
        {
            string? continuation = null;
            do
            {
                var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = BucketName, ContinuationToken = continuation }, ct);
                foreach (var entry in page.S3Objects ?? [])
                {
                    // A lock is no content: it lives while a run does (this Destroy's own, say), and goes with its run.
                    if (entry.Key.StartsWith(LocksPrefix, StringComparison.Ordinal))
                        continue;
                    if (stackNames.Contains(StackOf(entry.Key)) || prefixes.Any(p => entry.Key.StartsWith(p, StringComparison.Ordinal)))
                        keys.Add(entry.Key);
                    else
                        others++;
                }
                continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (continuation is not null);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            return new TemplateBucketContents(BucketName, Exists: false, [], 0);
        }
        catch (AmazonS3Exception e)
        {
            throw new PipelineException(
                $"Template bucket {BucketName}: listing it failed ({e.ErrorCode}: {e.Message}). Check that the role may list it (s3:ListBucket).", e);
        }
        return new TemplateBucketContents(BucketName, Exists: true, keys.Order(StringComparer.Ordinal).ToList(), others);
    }

    /// <summary>
    /// Deletes <paramref name="keys"/>, then, when <paramref name="deleteWhenEmpty"/>, the bucket itself if nothing else is
    /// left in it (other environments of the account and region keep their templates there). A deleted bucket's name is
    /// held back by S3 for hours, during which no Deploy of this account and region can create the bucket again.
    /// </summary>
    /// <param name="ownLock">The environment lock the calling run holds: when it is all that is left, it goes with the bucket.</param>
    public async Task<TemplateBucketCleanup> RemoveAsync(IReadOnlyList<string> keys, bool deleteWhenEmpty, IStepLog log, CancellationToken ct, string? ownLock = null)
    {
        try
        {
            foreach (var batch in keys.Chunk(1000))
            {
                var answer = await s3.DeleteObjectsAsync(new DeleteObjectsRequest
                {
                    BucketName = BucketName,
                    Objects = batch.Select(key => new KeyVersion { Key = key }).ToList(),
                    Quiet = true,
                }, ct);
                if (answer.DeleteErrors is { Count: > 0 } errors)
                    throw new PipelineException(
                        $"Template bucket {BucketName}: {errors.Count} object(s) could not be deleted, e.g. {errors[0].Key} ({errors[0].Code}: {errors[0].Message}). " +
                        $"Delete them with: aws s3 rm s3://{BucketName}/{StackOf(errors[0].Key)}/ --recursive");
            }
            if (keys.Count > 0)
                log.Info($"template bucket {BucketName}: {keys.Count} object(s) of this environment deleted");
            if (!deleteWhenEmpty)
                return new TemplateBucketCleanup(keys.Count, BucketDeleted: false);
            var left = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = BucketName, MaxKeys = 2 }, ct);
            if (left.S3Objects is { Count: > 0 } remaining && !(remaining is [var only] && only.Key == ownLock))
                return new TemplateBucketCleanup(keys.Count, BucketDeleted: false);
            if (ownLock is not null && left.S3Objects is { Count: 1 })
                await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = BucketName, Key = ownLock }, ct);
            await s3.DeleteBucketAsync(new DeleteBucketRequest { BucketName = BucketName }, ct);
            log.Info($"template bucket {BucketName}: empty now, deleted");
            return new TemplateBucketCleanup(keys.Count, BucketDeleted: true);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            return new TemplateBucketCleanup(0, BucketDeleted: true);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "BucketNotEmpty")
        {
            // Versions or objects written meanwhile: the bucket stays, with a note; the environment's templates are gone.
            log.Warn($"template bucket {BucketName}: not empty after deleting this environment's templates ({e.Message}); it stays. " +
                     $"See what is left: aws s3api list-object-versions --bucket {BucketName}");
            return new TemplateBucketCleanup(keys.Count, BucketDeleted: false);
        }
        catch (AmazonS3Exception e)
        {
            throw new PipelineException(
                $"Template bucket {BucketName}: deleting this environment's templates failed ({e.ErrorCode}: {e.Message}). " +
                "Check that the role may do it (s3:ListBucket, s3:DeleteObject, s3:DeleteBucket), then run Destroy again.", e);
        }
    }

    /// <summary>The stack a template key belongs to: keys are <c>&lt;stack&gt;/&lt;sha256&gt;.json</c>.</summary>
    static string StackOf(string key) => key.IndexOf('/') is var slash and > 0 ? key[..slash] : key;

    /// <summary>Creates the bucket, private and encrypted, unless this account has it already (the deploy history shares it).</summary>
    internal async Task EnsureBucketAsync(IStepLog log, CancellationToken ct)
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
        catch (AmazonS3Exception e) when (e.ErrorCode is "OperationAborted")
        {
            throw new PipelineException(
                $"Template bucket {BucketName}: S3 does not let it be created yet ({e.ErrorCode}: {e.Message}). A bucket of this name was deleted " +
                "(Destroy --include-images deletes it when no environment is left in it), and S3 holds the name back for some hours after that. " +
                "Deploy again later.", e);
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

/// <summary>What the template bucket holds: one environment's keys (templates, deploy history), and how many objects besides.</summary>
public sealed record TemplateBucketContents(string BucketName, bool Exists, IReadOnlyList<string> EnvironmentKeys, int OtherObjects);

/// <summary>How many of an environment's templates were deleted, and whether the bucket went with them.</summary>
public sealed record TemplateBucketCleanup(int DeletedObjects, bool BucketDeleted);
