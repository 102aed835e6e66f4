using Pipeline.Manifests;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// The scope each service's routes need, as the HTTP API's routes require it on AWS (<c>AuthorizationScopes</c>):
/// <see cref="DeploymentNames.ServiceScope"/> of the gateway's environment, e.g. <c>apigw-local/mcp</c>. The gateway knows
/// its environment from the audience of its issuer's credentials (<see cref="LocalIssuerCredentials.AudienceFor"/>:
/// <c>apigw-&lt;env&gt;</c>), so the file the pipeline writes per environment decides both.
/// </summary>
public sealed class ServiceScopes
{
    const string AudiencePrefix = "apigw-";

    readonly IReadOnlyList<string> services;

    ServiceScopes(string environment, IReadOnlyList<string> services)
    {
        Environment = environment;
        this.services = services;
    }

    public string Environment { get; }

    /// <summary>Every service's scope, space-separated (RFC 6749 §3.3): what a client-credentials token gets when it asks for none, as Cognito grants all of a client's scopes then.</summary>
    public string All => string.Join(' ', services.Select(Of));

    public static ServiceScopes For(ServiceCatalog catalog, LocalIssuerCredentials credentials)
    {
        var audience = credentials.Audience;
        if (!audience.StartsWith(AudiencePrefix, StringComparison.Ordinal) || audience.Length == AudiencePrefix.Length)
            throw new ArgumentException(
                $"The local issuer's audience '{audience}' is not of the form {LocalIssuerCredentials.AudienceFor("<environment>")}, so the gateway cannot tell " +
                "its environment nor the scope each route needs. Delete the credentials file; ./build.sh Deploy generates a new one for the environment.");
        return new ServiceScopes(audience[AudiencePrefix.Length..], catalog.Names.ToList());
    }

    /// <summary>The scope a token needs for <paramref name="service"/>'s routes, e.g. <c>apigw-local/mcp</c>.</summary>
    public string Of(string service) => DeploymentNames.ServiceScope(Environment, service);
}
