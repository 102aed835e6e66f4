using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws;

/// <summary>The ECR operations the pipeline uses: registry authorization and image lookup.</summary>
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

    /// <summary>The image tagged <paramref name="tag"/>, or null when the repository holds no such tag.</summary>
    public async Task<EcrImage?> FindImageAsync(string repositoryName, string tag, CancellationToken ct)
    {
        try
        {
            var result = await json.CallAsync("DescribeImages", new JsonObject
            {
                ["repositoryName"] = repositoryName,
                ["imageIds"] = new JsonArray(new JsonObject { ["imageTag"] = tag }),
            }, ct);
            return result.Items("imageDetails")
                .Select(d => new EcrImage(d.Text("repositoryName"), d.Text("imageDigest"),
                    d.Items("imageTags").Select(t => t.GetString()!).ToList(), d.Time("imagePushedAt")))
                .FirstOrDefault();
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ImageNotFoundException")
        {
            return null;
        }
    }
}
