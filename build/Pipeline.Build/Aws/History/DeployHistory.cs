using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.History;

/// <summary>
/// The deploy history of one environment, shared by every machine that deploys to the account: one S3 object per
/// record, <c>history/&lt;environment&gt;/&lt;id&gt;.json</c> in the template bucket (<see cref="TemplateStore"/>,
/// <c>apigw-templates-&lt;account&gt;-&lt;region&gt;</c>). One object per record means concurrent writers never overwrite
/// each other; ids sort by time, so a prefix listing is the history in order.
/// </summary>
/// <remarks>
/// S3 rather than SSM parameters: a standard parameter holds 4 KB (advanced 8 KB, at a charge) and an account 10,000
/// standard parameters per region, while a record with template hashes and digests of many services is larger and the
/// history only grows; S3 lists by prefix in pages of 1,000 and stores objects of any size; the bucket exists already
/// for large templates; reading needs only s3:ListBucket and s3:GetObject.
/// </remarks>
public sealed class DeployHistory(IAmazonS3 s3, string bucketName, string region, string environment)
{
    /// <summary>How many records are read at once.</summary>
    const int ReadBatch = 16;

    public string BucketName { get; } = bucketName;

    public string Environment { get; } = environment;

    public string Prefix => $"history/{Environment}/";

    public string KeyOf(string id) => Prefix + id + ".json";

    public string UrlOf(string id) => $"s3://{BucketName}/{KeyOf(id)}";

    /// <summary>The history in the template bucket of the caller's account, and who the caller is.</summary>
    public static async Task<(DeployHistory History, HistoryCaller Caller)> ForAccountAsync(AwsConnection connection, string environment, CancellationToken ct)
    {
        var caller = await CallerAsync(connection, ct);
        return (new DeployHistory(AwsSdkClients.CreateS3(connection), TemplateStore.BucketNameFor(caller.Account, connection.Region), connection.Region, environment), caller);
    }

    /// <summary>STS GetCallerIdentity: the account (which names the bucket) and the caller's ARN.</summary>
    public static async Task<HistoryCaller> CallerAsync(AwsConnection connection, CancellationToken ct)
    {
        using var sts = AwsSdkClients.CreateSts(connection);
        try
        {
            var identity = await sts.GetCallerIdentityAsync(new Amazon.SecurityToken.Model.GetCallerIdentityRequest(), ct);
            return new HistoryCaller(identity.Account, identity.Arn);
        }
        catch (Amazon.Runtime.AmazonServiceException e)
        {
            throw new PipelineException(
                $"AWS account: STS GetCallerIdentity failed ({e.ErrorCode}: {e.Message}). Check that your credentials are valid and not expired (e.g. 'aws sso login').", e);
        }
    }

    /// <summary>Stores <paramref name="record"/> as a new object (creating the bucket, private and encrypted, if needed); returns its URL.</summary>
    public async Task<string> WriteAsync(DeployHistoryRecord record, IStepLog log, CancellationToken ct)
    {
        if (record.Environment != Environment)
            throw new ArgumentException($"Record of {record.Environment} written to the history of {Environment}.", nameof(record));
        var bytes = Encoding.UTF8.GetBytes(SecretMasker.Apply(record.ToJson()) + "\n");
        try
        {
            try
            {
                await PutAsync(record.Id, bytes, ct);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
            {
                // The first record of the account and region: the bucket is made as the template store makes it.
                await new TemplateStore(s3, BucketName, region).EnsureBucketAsync(log, ct);
                await PutAsync(record.Id, bytes, ct);
            }
        }
        catch (AmazonS3Exception e)
        {
            throw new PipelineException(
                $"Deploy history: writing {UrlOf(record.Id)} failed ({e.ErrorCode}: {e.Message}). " +
                "Check that the deploy role may create and write the template bucket (s3:CreateBucket, s3:PutObject, s3:PutEncryptionConfiguration, s3:PutBucketPublicAccessBlock).", e);
        }
        return UrlOf(record.Id);
    }

    async Task PutAsync(string id, byte[] bytes, CancellationToken ct)
    {
        using var content = new MemoryStream(bytes);
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = BucketName,
            Key = KeyOf(id),
            InputStream = content,
            ContentType = "application/json",
            ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256,
        }, ct);
    }

    /// <summary>The ids of every record, newest first; <see cref="HistoryListing.BucketMissing"/> when the bucket does not exist yet.</summary>
    public async Task<HistoryListing> ListAsync(CancellationToken ct)
    {
        var ids = new List<string>();
        string? token = null;
        try
        {
            do
            {
                var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = BucketName, Prefix = Prefix, ContinuationToken = token }, ct);
                foreach (var item in page.S3Objects ?? [])
                {
                    var name = item.Key[Prefix.Length..];
                    if (name.EndsWith(".json", StringComparison.Ordinal) && HistoryId.IsValid(name[..^5]))
                        ids.Add(name[..^5]);
                }
                token = page.IsTruncated == true ? page.NextContinuationToken : null;
            }
            while (token is not null);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            return new HistoryListing([], BucketMissing: true);
        }
        catch (AmazonS3Exception e)
        {
            throw ReadFailed("listing", e);
        }
        ids.Sort(StringComparer.Ordinal);
        ids.Reverse();
        return new HistoryListing(ids, BucketMissing: false);
    }

    /// <summary>One record, or null when there is no object for <paramref name="id"/>.</summary>
    public async Task<DeployHistoryRecord?> ReadAsync(string id, CancellationToken ct)
    {
        string json;
        try
        {
            using var response = await s3.GetObjectAsync(BucketName, KeyOf(id), ct);
            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            json = await reader.ReadToEndAsync(ct);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "NoSuchKey" or "NoSuchBucket")
        {
            return null;
        }
        catch (AmazonS3Exception e)
        {
            throw ReadFailed($"reading {KeyOf(id)} from", e);
        }
        try
        {
            return DeployHistoryRecord.FromJson(json);
        }
        catch (JsonException e)
        {
            throw new PipelineException($"Deploy history: {UrlOf(id)} is not a history record ({e.Message}). Move it out of {Prefix} or fix it.", e);
        }
    }

    /// <summary>
    /// The records of <paramref name="idsNewestFirst"/> in that order, read a batch at a time and only as far as the caller
    /// enumerates. An object that is not a record is skipped with a warning.
    /// </summary>
    public async IAsyncEnumerable<DeployHistoryRecord> ReadAllAsync(
        IReadOnlyList<string> idsNewestFirst, IStepLog log, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var batch in idsNewestFirst.Chunk(ReadBatch))
        {
            var reads = batch.Select(async id =>
            {
                try
                {
                    return await ReadAsync(id, ct);
                }
                catch (PipelineException e) when (e.InnerException is JsonException)
                {
                    log.Warn(e.Message);
                    return null;
                }
            }).ToList();
            foreach (var read in reads)
                if (await read is { } record)
                    yield return record;
        }
    }

    PipelineException ReadFailed(string what, AmazonS3Exception e) =>
        new($"Deploy history: {what} s3://{BucketName}/{Prefix} failed ({e.ErrorCode}: {e.Message}). " +
            $"Reading the history needs s3:ListBucket on arn:aws:s3:::{BucketName} and s3:GetObject on arn:aws:s3:::{BucketName}/history/*.", e);
}

/// <summary>The ids of an environment's records, newest first; none when the bucket does not exist yet.</summary>
public sealed record HistoryListing(IReadOnlyList<string> IdsNewestFirst, bool BucketMissing);

/// <summary>
/// Records newest first, read only as far as they are asked for: a rollback usually needs the newest few, but may have to
/// look further back for the last image of a service that was not deployed for a while.
/// </summary>
public sealed class DeployHistoryCursor(IReadOnlyList<string> idsNewestFirst, IAsyncEnumerable<DeployHistoryRecord> recordsNewestFirst)
{
    readonly List<DeployHistoryRecord> read = [];
    IAsyncEnumerator<DeployHistoryRecord>? reader;
    bool exhausted;

    /// <summary>Every record id, newest first (listed, not yet read).</summary>
    public IReadOnlyList<string> Ids { get; } = idsNewestFirst;

    /// <summary>Over records already in memory (newest first).</summary>
    public static DeployHistoryCursor Of(IReadOnlyList<DeployHistoryRecord> newestFirst) => new(newestFirst.Select(r => r.Id).ToList(), Yield(newestFirst));

    /// <summary>The <paramref name="index"/>-th record, newest first; null past the oldest.</summary>
    public async Task<DeployHistoryRecord?> AtAsync(int index, CancellationToken ct)
    {
        reader ??= recordsNewestFirst.GetAsyncEnumerator(ct);
        while (read.Count <= index && !exhausted)
        {
            if (await reader.MoveNextAsync())
                read.Add(reader.Current);
            else
                exhausted = true;
        }
        return index < read.Count ? read[index] : null;
    }

    static async IAsyncEnumerable<DeployHistoryRecord> Yield(IReadOnlyList<DeployHistoryRecord> records)
    {
        await Task.CompletedTask;
        foreach (var record in records)
            yield return record;
    }
}
