using Pipeline.Manifests;

namespace Pipeline.Gateway.Auth;

/// <summary>
/// The scope each service's routes need, as the HTTP API's routes require it on AWS (<c>AuthorizationScopes</c>):
/// <see cref="DeploymentNames.ServiceScope"/> of the gateway's environment, e.g. <c>apigw-local/mcp</c>. The gateway knows
/// its environment from the audience of its issuer's credentials (<see cref="LocalIssuerCredentials.EnvironmentOf"/>:
/// <c>apigw-&lt;env&gt;</c>), so the file the pipeline writes per environment decides both.
/// </summary>
public sealed class ServiceScopes
{
    ServiceScopes(string environment) => Environment = environment;

    public string Environment { get; }

    public static ServiceScopes For(LocalIssuerCredentials credentials) =>
        new(LocalIssuerCredentials.EnvironmentOf(credentials.Audience));

    /// <summary>The scope a token needs for <paramref name="service"/>'s routes, e.g. <c>apigw-local/mcp</c>.</summary>
    public string Of(string service) => DeploymentNames.ServiceScope(Environment, service);
}
