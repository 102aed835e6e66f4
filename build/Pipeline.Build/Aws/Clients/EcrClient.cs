using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Clients;

/// <summary>
/// The ECR operations the pipeline uses: registry authorization, and giving an image a second tag or taking one away
/// (the <c>deployed-&lt;history id&gt;</c> tags the lifecycle policy keeps).
/// </summary>
public sealed class EcrClient(AwsConnection connection, HttpClient http)
{
    readonly AwsJsonClient json = new(connection, AwsService.Ecr, "AmazonEC2ContainerRegistry_V20150921", http);

    public Uri Endpoint => json.Endpoint;

    public AwsJsonClient Json => json;

    public async Task<EcrAuthorization> GetAuthorizationAsync(CancellationToken ct)
    {
        var result = await json.CallAsync("GetAuthorizationToken", new JsonObject(), ct);
        var data = result.Items("authorizationData").FirstOrDefault();
        var token = data.Text("authorizationToken");
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            decoded = "";
        }
        var separator = decoded.IndexOf(':');
        if (separator <= 0)
            throw new PipelineException(
                "ECR GetAuthorizationToken: the answer holds no usable token. Check that the ECR endpoint is really ECR (AWS_ENDPOINT_URL_ECR).");
        var registry = new Uri(data.Text("proxyEndpoint") is { Length: > 0 } endpoint ? endpoint : "https://unknown").Authority;
        return new EcrAuthorization(registry, decoded[..separator], decoded[(separator + 1)..], data.Time("expiresAt"));
    }

    static readonly string[] ManifestMediaTypes =
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    ];

    /// <summary>The manifest of <paramref name="repositoryName"/>:<paramref name="tag"/> exactly as stored, or null when ECR does not have it.</summary>
    public async Task<EcrImageManifest?> BatchGetImageAsync(string repositoryName, string tag, CancellationToken ct)
    {
        var result = await json.CallAsync("BatchGetImage", new JsonObject
        {
            ["repositoryName"] = repositoryName,
            ["imageIds"] = new JsonArray(new JsonObject { ["imageTag"] = tag }),
            ["acceptedMediaTypes"] = new JsonArray(ManifestMediaTypes.Select(m => (JsonNode)m).ToArray()),
        }, ct);
        var image = result.Items("images").FirstOrDefault();
        if (image.ValueKind != JsonValueKind.Object)
            return null;
        var manifest = image.Text("imageManifest");
        var mediaType = image.Text("imageManifestMediaType");
        if (mediaType.Length == 0)
        {
            try
            {
                using var parsed = JsonDocument.Parse(manifest);
                mediaType = parsed.RootElement.Text("mediaType");
            }
            catch (JsonException)
            {
            }
        }
        return new EcrImageManifest(manifest, mediaType, image.TryGetProperty("imageId", out var id) ? id.Text("imageDigest") : "");
    }

    /// <summary>
    /// Gives the image <paramref name="manifest"/> describes the tag <paramref name="tag"/> as well (PutImage of the same manifest).
    /// True when tagged now, false when the tag already named this very image. A tag that names another image fails: tags are immutable.
    /// </summary>
    public async Task<bool> PutImageTagAsync(string repositoryName, EcrImageManifest manifest, string tag, CancellationToken ct)
    {
        var request = new JsonObject
        {
            ["repositoryName"] = repositoryName,
            ["imageManifest"] = manifest.Manifest,
            ["imageTag"] = tag,
        };
        if (manifest.MediaType.Length > 0)
            request["imageManifestMediaType"] = manifest.MediaType;
        if (manifest.Digest.Length > 0)
            request["imageDigest"] = manifest.Digest;
        try
        {
            await json.CallAsync("PutImage", request, ct);
            return true;
        }
        catch (AwsServiceException e) when (e.ErrorCode is "ImageAlreadyExistsException" or "ImageTagAlreadyExistsException")
        {
            var current = await BatchGetImageAsync(repositoryName, tag, ct);
            if (current is not null && (manifest.Digest.Length == 0 || current.Digest == manifest.Digest))
                return false;
            throw;
        }
    }

    /// <summary>Every image of the repository with its tags and push time (DescribeImages, all pages).</summary>
    public async Task<IReadOnlyList<EcrImageDetail>> DescribeImagesAsync(string repositoryName, CancellationToken ct)
    {
        var images = new List<EcrImageDetail>();
        string? nextToken = null;
        do
        {
            var request = new JsonObject { ["repositoryName"] = repositoryName };
            if (nextToken is not null)
                request["nextToken"] = nextToken;
            var result = await json.CallAsync("DescribeImages", request, ct);
            images.AddRange(result.Items("imageDetails").Select(d => new EcrImageDetail(
                d.Text("imageDigest"), d.Items("imageTags").Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToList(),
                d.Time("imagePushedAt"))));
            nextToken = result.Text("nextToken") is { Length: > 0 } token ? token : null;
        }
        while (nextToken is not null);
        return images;
    }

    /// <summary>
    /// Whether the repository exists. Asked with DescribeImages (one image at most), which the deploy role may call on the
    /// environment's repositories; DescribeRepositories it may only call through CloudFormation.
    /// </summary>
    public async Task<bool> RepositoryExistsAsync(string repositoryName, CancellationToken ct)
    {
        try
        {
            await json.CallAsync("DescribeImages", new JsonObject { ["repositoryName"] = repositoryName, ["maxResults"] = 1 }, ct);
            return true;
        }
        catch (AwsServiceException e) when (e.ErrorCode == "RepositoryNotFoundException")
        {
            return false;
        }
    }

    /// <summary>
    /// Takes <paramref name="tag"/> off its image (BatchDeleteImage by tag). ECR deletes an image whose last tag goes, so
    /// callers only untag images that keep another tag. False when the tag was not there.
    /// </summary>
    public async Task<bool> UntagImageAsync(string repositoryName, string tag, CancellationToken ct)
    {
        var result = await json.CallAsync("BatchDeleteImage", new JsonObject
        {
            ["repositoryName"] = repositoryName,
            ["imageIds"] = new JsonArray(new JsonObject { ["imageTag"] = tag }),
        }, ct);
        return result.Items("imageIds").Any();
    }
}

/// <summary>An image manifest as ECR stores it (the exact text, so a re-tag keeps the digest), its media type and digest.</summary>
public sealed record EcrImageManifest(string Manifest, string MediaType, string Digest);

/// <summary>One image of a repository: its digest, its tags and when it was pushed.</summary>
public sealed record EcrImageDetail(string Digest, IReadOnlyList<string> Tags, DateTimeOffset? PushedAt);

/// <summary>
/// Registry login from ECR. A class, not a record, so that no generated <c>ToString</c> ever prints the password:
/// a log line that formats this object shows the registry and the expiry only.
/// </summary>
public sealed class EcrAuthorization(string registry, string username, string password, DateTimeOffset? expiresAt)
{
    /// <summary>Registry host, e.g. <c>123456789012.dkr.ecr.eu-west-1.amazonaws.com</c>.</summary>
    public string Registry { get; } = registry;

    public string Username { get; } = username;

    /// <summary>Secret: pass it to the registry client, never to a log.</summary>
    public string Password { get; } = password;

    public DateTimeOffset? ExpiresAt { get; } = expiresAt;

    public override string ToString() => $"ECR login for {Registry} (user {Username}, expires {ExpiresAt:u}, password hidden)";
}
