using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Constructs;

namespace Pipeline.Infra;

/// <summary>
/// The HTTP API's JWT authorizer, in the shared stack: API Gateway validates the bearer token of every route that names it
/// (signature against the issuer's published keys, expiry, issuer, and audience: <c>aud</c>, or <c>client_id</c> for
/// Cognito access tokens) before a request reaches a service. Service stacks name it by id, read from SSM; only the paths a
/// manifest declares public go without it. Each route also names the scope its service needs (<see cref="ServiceRoutes"/>),
/// which the authorizer finds in the token's <c>scope</c> (or <c>scp</c>) claim.
/// </summary>
/// <remarks>
/// Access tokens only: an OIDC ID token is signed by the same issuer and, from Cognito, carries the client id as <c>aud</c>,
/// so issuer and audience alone would let it through. It has no <c>scope</c> claim, though, and every route that needs a
/// token requires a scope, so API Gateway refuses it (403). Cognito access tokens carry <c>client_id</c> instead of
/// <c>aud</c>; the authorizer matches either against the audience list, which holds both Cognito clients.
/// </remarks>
public sealed class ApiAuthorizer : Construct
{
    /// <summary>Where the token is: <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    public const string IdentitySource = "$request.header.Authorization";

    public ApiAuthorizer(Construct scope, string id, IHttpApi api, string environment, string issuer, IReadOnlyList<string> audiences) : base(scope, id)
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
            JwtAudience = [.. audiences],
        });
        Issuer = issuer;
        Audiences = audiences;
    }

    public HttpAuthorizer Authorizer { get; }

    /// <summary>The authorizer's id, as a string that is never empty (see <see cref="EnvironmentStack.EvenWhereSkipped"/>).</summary>
    public string AuthorizerId => EnvironmentStack.EvenWhereSkipped(Authorizer.AuthorizerId);

    public string Issuer { get; }

    /// <summary>The audiences a token may carry (<c>aud</c>, or <c>client_id</c>): one per client the API accepts tokens of.</summary>
    public IReadOnlyList<string> Audiences { get; }

    /// <summary>
    /// <see cref="Audiences"/> comma-joined, as one SSM value and as services read it (<c>AUTH_AUDIENCE</c>). An id that is a
    /// reference passes through <see cref="EnvironmentStack.EvenWhereSkipped"/>, so the value is never empty.
    /// </summary>
    public string AudienceList
    {
        get
        {
            var values = Audiences.Select(a => Token.IsUnresolved(a) ? EnvironmentStack.EvenWhereSkipped(a) : a).ToArray();
            return values.Length == 1 ? values[0] : Fn.Join(",", values);
        }
    }
}
