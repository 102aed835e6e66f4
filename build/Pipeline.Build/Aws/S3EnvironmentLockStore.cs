using System.Net;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Build.Deployment.Locking;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws;

/// <summary>
/// An AWS environment's lock: the object <c>locks/&lt;env&gt;.json</c> in the account's template bucket, as Terraform's S3
/// backend locks state. Created with <c>If-None-Match: *</c> (S3 answers 412 when it exists), renewed and taken over with
/// <c>If-Match: &lt;ETag&gt;</c>, deleted with <c>If-Match</c>: S3's conditional writes and deletes, so two runs never both
/// hold it. The deploy role may read and write exactly this key (<see cref="Roles.PipelineRoles"/>).
/// </summary>
public sealed class S3EnvironmentLockStore(IAmazonS3 s3, TemplateStore bucket, string environment, IStepLog log) : IEnvironmentLockStore
{
    public static string KeyFor(string environment) => $"{TemplateStore.LocksPrefix}{environment}.json";

    string Key => KeyFor(environment);

    public string Location => $"s3://{bucket.BucketName}/{Key}";

    public async Task<string?> TryCreateAsync(LockHolder holder, CancellationToken cancellation)
    {
        try
        {
            return await PutAsync(holder, request => request.IfNoneMatch = "*", cancellation);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            // The environment's first run in this account and region: the bucket is made as the template store makes it.
            await bucket.EnsureBucketAsync(log, cancellation);
            return await TryCreateAsync(holder, cancellation);
        }
        catch (AmazonS3Exception e) when (IsConditionFailure(e))
        {
            return null;
        }
    }

    public async Task<LockRecord?> ReadAsync(CancellationToken cancellation)
    {
        try
        {
            using var response = await s3.GetObjectAsync(bucket.BucketName, Key, cancellation);
            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            return new LockRecord(LockHolder.FromJson(await reader.ReadToEndAsync(cancellation)), response.ETag);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "NoSuchKey" or "NoSuchBucket" || e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (AmazonS3Exception e)
        {
            throw Failed("reading", e);
        }
    }

    public async Task<string?> TryReplaceAsync(LockHolder holder, string version, CancellationToken cancellation)
    {
        try
        {
            return await PutAsync(holder, request => request.IfMatch = version, cancellation);
        }
        catch (AmazonS3Exception e) when (IsConditionFailure(e) || e.ErrorCode is "NoSuchKey" || e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<bool> TryDeleteAsync(string version, CancellationToken cancellation)
    {
        try
        {
            await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket.BucketName, Key = Key, IfMatch = version }, cancellation);
            return true;
        }
        catch (AmazonS3Exception e) when (IsConditionFailure(e))
        {
            return false;
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "NoSuchKey" or "NoSuchBucket" || e.StatusCode == HttpStatusCode.NotFound)
        {
            // Gone already (a Destroy --include-images deletes it with the bucket): released all the same.
            return true;
        }
        catch (AmazonS3Exception e)
        {
            throw Failed("deleting", e);
        }
    }

    async Task<string> PutAsync(LockHolder holder, Action<PutObjectRequest> condition, CancellationToken cancellation)
    {
        using var content = new MemoryStream(Encoding.UTF8.GetBytes(holder.ToJson()));
        var request = new PutObjectRequest
        {
            BucketName = bucket.BucketName,
            Key = Key,
            InputStream = content,
            ContentType = "application/json",
            ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256,
        };
        condition(request);
        try
        {
            // The version is the ETag; a put that succeeded is held even where no ETag came back (read it then).
            return (await s3.PutObjectAsync(request, cancellation)).ETag is { Length: > 0 } etag
                ? etag
                : (await ReadAsync(cancellation))?.Version ?? throw new PipelineException($"Environment lock: {Location} was written but cannot be read back.");
        }
        catch (AmazonS3Exception e) when (!IsConditionFailure(e) && e.ErrorCode is not ("NoSuchBucket" or "NoSuchKey"))
        {
            throw Failed("writing", e);
        }
    }

    /// <summary>412 Precondition Failed; 409 ConditionalRequestConflict when another conditional write to the key raced this one.</summary>
    static bool IsConditionFailure(AmazonS3Exception e) =>
        e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict || e.ErrorCode is "PreconditionFailed" or "ConditionalRequestConflict";

    PipelineException Failed(string what, AmazonS3Exception e) =>
        new($"Environment lock: {what} {Location} failed ({e.ErrorCode}: {e.Message}). Check that the credentials may " +
            $"s3:GetObject, s3:PutObject and s3:DeleteObject on arn:aws:s3:::{bucket.BucketName}/{Key} (DeployRole grants exactly these).", e);
}
