using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Clients;

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
}

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
