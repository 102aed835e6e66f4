using Amazon.CDK;
using Amazon.CDK.AWS.Cognito;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// The environment's own token issuer, when the profile names none (no <c>JwtIssuer</c>): a Cognito user pool (no users
/// until an admin creates them, no self sign-up), a resource server for the API (<c>apigw-&lt;env&gt;</c>) with one scope
/// per service (<see cref="DeploymentNames.ServiceScope"/>), two app clients, and a Cognito domain with managed login:
/// <list type="bullet">
/// <item>the machine client: client credentials with a generated secret, allowed every service's scope (Cognito grants all
/// of them when a request names none); <c>./build.sh Token</c> uses it;</item>
/// <item>the interactive client, for MCP clients a person signs in with (VS Code, Claude, Cursor, MCP Inspector): public
/// (no secret), authorization code only, the profile's callback URLs, the service scopes (+ <c>openid</c>), managed login.
/// Cognito has no dynamic client registration, so its id is published (output and SSM) for people to configure.</item>
/// </list>
/// </summary>
/// <remarks>
/// Every value other stacks or the pipeline read is composed from <c>Ref</c> and pseudo parameters, never <c>Fn::GetAtt</c>:
/// emulators that skip Cognito (moto does) still deploy the stack. The token endpoint is built from the domain prefix the
/// template chooses, not read from the domain resource, for the same reason. What CDK 2.160 cannot say (managed login
/// version 2, the pool's feature plan, the branding style) is written onto the L1 resources.
/// </remarks>
public sealed class CognitoIssuer : Construct
{
    /// <summary>Cognito's limit on the scopes one app client may be allowed (the interactive client has <c>openid</c> besides the service scopes).</summary>
    public const int MaxScopesPerClient = 50;

    /// <summary>The managed login pages (version 2), not the classic hosted UI.</summary>
    public const int ManagedLoginVersion = 2;

    /// <summary>Managed login needs the Essentials feature plan (or Plus); Lite has only the classic hosted UI.</summary>
    public const string UserPoolTier = "ESSENTIALS";

    /// <summary>Cognito's resource type for a managed login style; CDK 2.160 has no construct for it.</summary>
    public const string ManagedLoginBrandingType = "AWS::Cognito::ManagedLoginBranding";

    /// <param name="deletionProtection">
    /// <see cref="InfraOptions.DeletionProtection"/>: Cognito refuses to delete the pool (<c>DeletionProtection: ACTIVE</c>) and
    /// CloudFormation keeps it when the stack goes or the pool would be replaced (<c>Retain</c>): its users exist nowhere else.
    /// </param>
    public CognitoIssuer(Construct scope, string id, string environment, IReadOnlyList<ServiceManifest> services, IReadOnlyList<string> callbackUrls,
        bool deletionProtection = false)
        : base(scope, id)
    {
        if (services.Count + 1 > MaxScopesPerClient)
            throw new InfraOptionsException(
                $"{services.Count} services need {services.Count} OAuth scopes, and a Cognito app client takes at most {MaxScopesPerClient} " +
                $"(the interactive client also has openid). Split the services over environments, or name an identity provider of your own (JwtIssuer).");
        ResourceServerIdentifier = $"apigw-{environment}";

        UserPool = new UserPool(this, "UserPool", new UserPoolProps
        {
            UserPoolName = $"apigw-{environment}",
            // Nobody signs up: an admin creates each user (README: the first user).
            SelfSignUpEnabled = false,
            // The pool holds what this template defines and the users an admin added, who are the environment's: unprotected,
            // it goes with the stack (Destroy says so); protected, it outlives the stack and refuses deletion.
            RemovalPolicy = deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
            // Written out either way (ACTIVE or INACTIVE), so a deploy with the protection off lifts it.
            DeletionProtection = deletionProtection,
        });
        ((CfnUserPool)UserPool.Node.DefaultChild!).AddPropertyOverride("UserPoolTier", UserPoolTier);

        // One scope per service, named after it: the token's scope says which service it may call, and each route requires
        // its service's scope (ServiceRoutes), so a token for one service cannot call another.
        var scopes = services.Select(s => new ResourceServerScope(new ResourceServerScopeProps
        {
            ScopeName = s.Name,
            ScopeDescription = $"Call {s.Name}: every route under {s.RoutePrefix} but its public paths",
        })).ToArray();
        var resourceServer = UserPool.AddResourceServer("Api", new UserPoolResourceServerOptions
        {
            Identifier = ResourceServerIdentifier,
            UserPoolResourceServerName = $"apigw-{environment} HTTP API",
            Scopes = scopes,
        });
        // Written out (apigw-<env>/<service>), as routes and services name them, rather than joined from the resource server's
        // Ref; each client depends on the resource server instead, so the scopes exist before a client is allowed them.
        var serviceScopes = services.Select(s => OAuthScope.Custom(DeploymentNames.ServiceScope(environment, s.Name))).ToArray();

        Client = UserPool.AddClient("MachineClient", new UserPoolClientOptions
        {
            UserPoolClientName = $"apigw-{environment}-machine",
            GenerateSecret = true,
            // Client credentials only: no authorization-code or implicit flow, so no redirect URLs.
            OAuth = new OAuthSettings
            {
                Flows = new OAuthFlows { ClientCredentials = true },
                Scopes = serviceScopes,
            },
            SupportedIdentityProviders = [UserPoolClientIdentityProvider.COGNITO],
            PreventUserExistenceErrors = true,
        });
        Client.Node.AddDependency(resourceServer);

        InteractiveClient = UserPool.AddClient("InteractiveClient", new UserPoolClientOptions
        {
            UserPoolClientName = $"apigw-{environment}-interactive",
            // Public: it runs on people's machines (an editor, a desktop app), which cannot keep a secret. PKCE protects the
            // code instead; every MCP client sends it (the MCP authorization spec requires it), though Cognito cannot demand it.
            GenerateSecret = false,
            OAuth = new OAuthSettings
            {
                Flows = new OAuthFlows { AuthorizationCodeGrant = true },
                // openid because OIDC-minded clients ask for it and Cognito refuses a request for a scope the client lacks;
                // the ID token it brings has no scope claim, so no route accepts it (API Gateway checks the scope claim).
                Scopes = [OAuthScope.OPENID, .. serviceScopes],
                CallbackUrls = [.. callbackUrls],
            },
            SupportedIdentityProviders = [UserPoolClientIdentityProvider.COGNITO],
            PreventUserExistenceErrors = true,
            EnableTokenRevocation = true,
        });
        InteractiveClient.Node.AddDependency(resourceServer);
        // Managed login signs users in with what the client allows: password through SRP, then refresh tokens. Nothing
        // else (no plain USER_PASSWORD_AUTH, no custom auth), so the public client id opens no other door.
        ((CfnUserPoolClient)InteractiveClient.Node.DefaultChild!).AddPropertyOverride("ExplicitAuthFlows",
            new[] { "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH" });

        // Domain prefixes are global across accounts in a region; the account id keeps this one ours.
        DomainPrefix = Fn.Join("-", [$"apigw-{environment}", Aws.ACCOUNT_ID]);
        var domain = UserPool.AddDomain("Domain", new UserPoolDomainOptions
        {
            CognitoDomain = new CognitoDomainOptions { DomainPrefix = DomainPrefix },
        });
        ((CfnUserPoolDomain)domain.Node.DefaultChild!).AddPropertyOverride("ManagedLoginVersion", ManagedLoginVersion);

        // Managed login shows a client's pages only once the client has a style; Cognito's own is enough.
        var branding = new CfnResource(this, "InteractiveClientBranding", new CfnResourceProps
        {
            Type = ManagedLoginBrandingType,
            Properties = new Dictionary<string, object>
            {
                ["UserPoolId"] = UserPool.UserPoolId,
                ["ClientId"] = InteractiveClient.UserPoolClientId,
                ["UseCognitoProvidedValues"] = true,
            },
        });
        branding.Node.AddDependency(domain);
    }

    public UserPool UserPool { get; }

    /// <summary>The machine-to-machine client (client credentials).</summary>
    public UserPoolClient Client { get; }

    /// <summary>The public client interactive MCP clients sign a person in with (authorization code with PKCE, managed login).</summary>
    public UserPoolClient InteractiveClient { get; }

    /// <summary>The resource server's identifier; each service's scope is <c>&lt;identifier&gt;/&lt;service&gt;</c>.</summary>
    public string ResourceServerIdentifier { get; }

    /// <summary><c>apigw-&lt;env&gt;-&lt;account id&gt;</c>.</summary>
    public string DomainPrefix { get; }

    /// <summary>The pool's id, as a string that is never empty (see <see cref="EnvironmentStack.EvenWhereSkipped"/>).</summary>
    public string UserPoolId => EnvironmentStack.EvenWhereSkipped(UserPool.UserPoolId);

    /// <summary>The machine client's id: the audience its access tokens carry (as <c>client_id</c>; API Gateway checks it like <c>aud</c>).</summary>
    public string ClientId => EnvironmentStack.EvenWhereSkipped(Client.UserPoolClientId);

    /// <summary>The interactive client's id, never empty (see <see cref="EnvironmentStack.EvenWhereSkipped"/>): the <c>client_id</c> of its users' access tokens.</summary>
    public string InteractiveClientId => EnvironmentStack.EvenWhereSkipped(InteractiveClient.UserPoolClientId);

    /// <summary>
    /// The audiences the API accepts from this pool: both clients' ids. Cognito access tokens have no <c>aud</c>; API Gateway
    /// and the MCP server match their <c>client_id</c> against this list.
    /// </summary>
    public IReadOnlyList<string> Audiences => [Client.UserPoolClientId, InteractiveClient.UserPoolClientId];

    /// <summary><c>https://cognito-idp.&lt;region&gt;.amazonaws.com/&lt;pool id&gt;</c>: the <c>iss</c> of the pool's tokens.</summary>
    public string IssuerUrl => Fn.Sub("https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}/${PoolId}",
        new Dictionary<string, string> { ["PoolId"] = UserPool.UserPoolId });

    /// <summary><c>https://&lt;domain prefix&gt;.auth.&lt;region&gt;.amazoncognito.com/oauth2/token</c>: where the client-credentials grant is posted.</summary>
    public string TokenEndpoint => Fn.Sub("https://${Prefix}.auth.${AWS::Region}.amazoncognito.com/oauth2/token",
        new Dictionary<string, string> { ["Prefix"] = DomainPrefix });
}
