using System.Text.Json.Nodes;

namespace Pipeline.Build.Aws.Clients;

/// <summary>The Secrets Manager operation the pipeline uses: whether a secret exists (<c>DescribeSecret</c>: metadata, never the value).</summary>
public sealed class SecretsManagerClient(AwsConnection connection, HttpClient http)
{
    readonly AwsJsonClient json = new(connection, AwsService.SecretsManager, "secretsmanager", http);

    public Uri Endpoint => json.Endpoint;

    /// <summary>The secret's name and ARN, or null when no secret has that name or ARN (a deleted one counts as missing).</summary>
    public async Task<SecretInfo?> DescribeSecretAsync(string nameOrArn, CancellationToken ct)
    {
        try
        {
            var result = await json.CallAsync("DescribeSecret", new JsonObject { ["SecretId"] = nameOrArn }, ct);
            // A secret scheduled for deletion still describes, but ECS cannot read it.
            return result.Time("DeletedDate") is null ? new SecretInfo(result.Text("Name"), result.Text("ARN")) : null;
        }
        catch (AwsServiceException e) when (e.ErrorCode == "ResourceNotFoundException")
        {
            return null;
        }
    }
}

/// <summary>A secret's name and full ARN; no value.</summary>
public sealed record SecretInfo(string Name, string Arn);
