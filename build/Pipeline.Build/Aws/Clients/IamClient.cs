namespace Pipeline.Build.Aws.Clients;

/// <summary>The IAM reads the pipeline uses: whether a role exists, and the account's OpenID Connect providers.</summary>
public sealed class IamClient(AwsConnection connection, HttpClient http)
{
    readonly AwsQueryClient query = new(connection, AwsService.Iam, "2010-05-08", http);

    public Uri Endpoint => query.Endpoint;

    /// <summary>The role's ARN, or null when no role of that name exists.</summary>
    public async Task<string?> GetRoleArnAsync(string roleName, CancellationToken ct)
    {
        try
        {
            return (await query.CallAsync("GetRole", [new("RoleName", roleName)], ct)).Element("Role")?.Text("Arn");
        }
        catch (AwsServiceException e) when (e.ErrorCode == "NoSuchEntity")
        {
            return null;
        }
    }

    /// <summary>Whether the managed policy <paramref name="policyArn"/> exists.</summary>
    public async Task<bool> PolicyExistsAsync(string policyArn, CancellationToken ct)
    {
        try
        {
            await query.CallAsync("GetPolicy", [new("PolicyArn", policyArn)], ct);
            return true;
        }
        catch (AwsServiceException e) when (e.ErrorCode == "NoSuchEntity")
        {
            return false;
        }
    }

    /// <summary>The ARNs of the account's IAM OpenID Connect identity providers.</summary>
    public async Task<IReadOnlyList<string>> ListOpenIdConnectProviderArnsAsync(CancellationToken ct) =>
        (await query.CallAsync("ListOpenIDConnectProviders", [], ct)).Members("OpenIDConnectProviderList").Select(p => p.Text("Arn")).ToList();

    /// <summary>The audiences (client IDs) a provider accepts, or null when it does not exist.</summary>
    public async Task<IReadOnlyList<string>?> GetOpenIdConnectProviderClientIdsAsync(string providerArn, CancellationToken ct)
    {
        try
        {
            return (await query.CallAsync("GetOpenIDConnectProvider", [new("OpenIDConnectProviderArn", providerArn)], ct))
                .Members("ClientIDList").Select(c => c.Value).ToList();
        }
        catch (AwsServiceException e) when (e.ErrorCode == "NoSuchEntity")
        {
            return null;
        }
    }
}
