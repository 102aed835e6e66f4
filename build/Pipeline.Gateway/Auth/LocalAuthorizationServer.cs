using Pipeline.Manifests;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// Everything the issuer's OAuth endpoints share: the signing issuer, the services as protected resources, the clients
/// (the environment's own, registered ones, metadata documents), the refresh-token store and the pending codes.
/// </summary>
public sealed class LocalAuthorizationServer(
    LocalIssuer issuer, ProtectedResources resources, IssuerStore store, AuthorizationCodes codes, ClientMetadataDocuments documents, bool autoApprove)
{
    public LocalIssuer Issuer => issuer;
    public ProtectedResources Resources => resources;
    public IssuerStore Store => store;
    public AuthorizationCodes Codes => codes;

    /// <summary>Approve authorization requests for loopback redirect URIs without the consent page (tests and scripts; <c>LOCAL_AUTH_AUTO_APPROVE</c>).</summary>
    public bool AutoApprove => autoApprove;

    /// <summary>The issuer's URL without <c>/_auth</c>: <c>http://127.0.0.1:&lt;port&gt;</c>.</summary>
    public string Origin => issuer.Issuer[..^LocalIssuerCredentials.IssuerPath.Length];

    /// <summary>The environment's own client (client credentials only), as the credentials file names it.</summary>
    OAuthClient EnvironmentClient => new()
    {
        ClientId = issuer.Credentials.ClientId,
        ClientName = $"{issuer.Audience} pipeline client",
        SecretHash = OAuthClient.HashSecret(issuer.Credentials.ClientSecret),
        GrantTypes = [GrantTypes.ClientCredentials],
        TokenEndpointAuthMethod = AuthMethods.ClientSecretBasic,
        IssuedAt = issuer.Credentials.CreatedAt,
    };

    /// <summary>The client with this id, a metadata document's when the id is its URL (fetched now); or why there is none.</summary>
    public async Task<(OAuthClient? Client, string? Problem)> FindClientAsync(string clientId, CancellationToken cancellationToken)
    {
        if (clientId == issuer.Credentials.ClientId)
            return (EnvironmentClient, null);
        if (store.FindClient(clientId) is { } registered)
            return (registered, null);
        if (ClientMetadataDocuments.IsDocumentUrl(clientId))
            return await documents.ResolveAsync(clientId, cancellationToken);
        return (null, $"Unknown client '{clientId}'. Register it first (POST {Origin}{LocalIssuerEndpoints.RegistrationPath}, RFC 7591), " +
                      "or use the URL of its client metadata document as client_id.");
    }
}
