using Amazon.CDK.AWS.Apigatewayv2;
using Constructs;

namespace Pipeline.Infra;

/// <summary>
/// The HTTP API's JWT authorizer, in the shared stack: API Gateway validates the bearer token of every route that names it
/// (signature against the issuer's published keys, expiry, issuer, and audience: <c>aud</c>, or <c>client_id</c> for
/// Cognito access tokens) before a request reaches a service. Service stacks name it by id, read from SSM; only the paths a
/// manifest declares public go without it.
/// </summary>
public sealed class ApiAuthorizer : Construct
{
    /// <summary>Where the token is: <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    public const string IdentitySource = "$request.header.Authorization";

    public ApiAuthorizer(Construct scope, string id, IHttpApi api, string environment, string issuer, string audience) : base(scope, id)
    {
        // The L2 authorizer itself, not HttpJwtAuthorizer: that one is created only when a route of the same stack binds it,
        // and this stack has no routes.
        Authorizer = new HttpAuthorizer(this, "Jwt", new HttpAuthorizerProps
        {
            HttpApi = api,
            AuthorizerName = $"apigw-{environment}-jwt",
            Type = HttpAuthorizerType.JWT,
            IdentitySource = [IdentitySource],
            JwtIssuer = issuer,
            JwtAudience = [audience],
        });
        Issuer = issuer;
        Audience = audience;
    }

    public HttpAuthorizer Authorizer { get; }

    /// <summary>The authorizer's id, as a string that is never empty (see <see cref="EnvironmentStack.EvenWhereSkipped"/>).</summary>
    public string AuthorizerId => EnvironmentStack.EvenWhereSkipped(Authorizer.AuthorizerId);

    public string Issuer { get; }

    public string Audience { get; }
}
