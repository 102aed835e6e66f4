using Amazon.CDK;
using Amazon.CDK.AWS.Cognito;
using Constructs;

namespace Pipeline.Infra;

/// <summary>
/// The environment's own token issuer, when the profile names none (no <c>JwtIssuer</c>): a Cognito user pool with no users,
/// a resource server for the API (<c>apigw-&lt;env&gt;</c>, scope <c>invoke</c>), one machine-to-machine app client (client
/// credentials, generated secret) and a Cognito domain for the token endpoint. <c>./build.sh Token</c> uses the client.
/// </summary>
/// <remarks>
/// Every value other stacks or the pipeline read is composed from <c>Ref</c> and pseudo parameters, never <c>Fn::GetAtt</c>:
/// emulators that skip Cognito (moto does) still deploy the stack. The token endpoint is built from the domain prefix the
/// template chooses, not read from the domain resource, for the same reason.
/// </remarks>
public sealed class CognitoIssuer : Construct
{
    /// <summary>The one scope the machine client may ask for; API Gateway checks audience, the scope says what the token is for.</summary>
    public const string InvokeScope = "invoke";

    public CognitoIssuer(Construct scope, string id, string environment) : base(scope, id)
    {
        ResourceServerIdentifier = $"apigw-{environment}";

        UserPool = new UserPool(this, "UserPool", new UserPoolProps
        {
            UserPoolName = $"apigw-{environment}",
            // Machines only: nobody signs up or signs in with a password.
            SelfSignUpEnabled = false,
            // The pool holds nothing but what this template defines (no users), so it goes with the stack.
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        var invoke = new ResourceServerScope(new ResourceServerScopeProps { ScopeName = InvokeScope, ScopeDescription = "Call the environment's API" });
        var resourceServer = UserPool.AddResourceServer("Api", new UserPoolResourceServerOptions
        {
            Identifier = ResourceServerIdentifier,
            UserPoolResourceServerName = $"apigw-{environment} HTTP API",
            Scopes = [invoke],
        });

        Client = UserPool.AddClient("MachineClient", new UserPoolClientOptions
        {
            UserPoolClientName = $"apigw-{environment}-machine",
            GenerateSecret = true,
            // Client credentials only: no authorization-code or implicit flow, so no redirect URLs.
            OAuth = new OAuthSettings
            {
                Flows = new OAuthFlows { ClientCredentials = true },
                Scopes = [OAuthScope.ResourceServer(resourceServer, invoke)],
            },
            SupportedIdentityProviders = [UserPoolClientIdentityProvider.COGNITO],
            PreventUserExistenceErrors = true,
        });

        // Domain prefixes are global across accounts in a region; the account id keeps this one ours.
        DomainPrefix = Fn.Join("-", [$"apigw-{environment}", Aws.ACCOUNT_ID]);
        _ = UserPool.AddDomain("Domain", new UserPoolDomainOptions
        {
            CognitoDomain = new CognitoDomainOptions { DomainPrefix = DomainPrefix },
        });
    }

    public UserPool UserPool { get; }

    public UserPoolClient Client { get; }

    /// <summary>The resource server's identifier; its scope is <c>&lt;identifier&gt;/invoke</c>.</summary>
    public string ResourceServerIdentifier { get; }

    /// <summary><c>apigw-&lt;env&gt;-&lt;account id&gt;</c>.</summary>
    public string DomainPrefix { get; }

    /// <summary>The pool's id, as a string that is never empty (see <see cref="EnvironmentStack.EvenWhereSkipped"/>).</summary>
    public string UserPoolId => EnvironmentStack.EvenWhereSkipped(UserPool.UserPoolId);

    /// <summary>The machine client's id: the audience its access tokens carry (as <c>client_id</c>; API Gateway checks it like <c>aud</c>).</summary>
    public string ClientId => EnvironmentStack.EvenWhereSkipped(Client.UserPoolClientId);

    /// <summary><c>https://cognito-idp.&lt;region&gt;.amazonaws.com/&lt;pool id&gt;</c>: the <c>iss</c> of the pool's tokens.</summary>
    public string IssuerUrl => Fn.Sub("https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}/${PoolId}",
        new Dictionary<string, string> { ["PoolId"] = UserPool.UserPoolId });

    /// <summary><c>https://&lt;domain prefix&gt;.auth.&lt;region&gt;.amazoncognito.com/oauth2/token</c>: where the client-credentials grant is posted.</summary>
    public string TokenEndpoint => Fn.Sub("https://${Prefix}.auth.${AWS::Region}.amazoncognito.com/oauth2/token",
        new Dictionary<string, string> { ["Prefix"] = DomainPrefix });
}
