using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.SSM;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// <c>apigw-&lt;env&gt;-shared</c>: what every service shares: VPC, NAT, flow logs, the ECS cluster, the HTTP API with its
/// VPC Link, <c>$default</c> stage and JWT authorizer, the token issuer when the profile names none (a Cognito user pool),
/// the alarm topic, the API stage's own alarms and the environment's dashboard. It holds no service's resources: a new
/// service adds only its scope to the Cognito resource server and to the clients that may ask for it (one scope per service,
/// <see cref="DeploymentNames.ServiceScope"/>), and its routes' graphs to the dashboard. What the service stacks need
/// it writes to SSM parameters at stable paths (<see cref="DeploymentNames.SharedParameter"/>), not CloudFormation exports:
/// no export lock, so this stack can change a value while service stacks use it (they pick it up at their next deploy),
/// and change sets behave the same on AWS and on the emulator. The price: CloudFormation does not stop this stack from
/// being deleted under the service stacks; deleting services first is the pipeline's job.
/// </summary>
public sealed class EnvironmentStack : Stack
{
    public EnvironmentStack(Construct scope, InfraOptions options, ServiceCatalog catalog, IStackProps props)
        : base(scope, DeploymentNames.SharedStack(options.Environment), props)
    {
        EnvironmentName = options.Environment;
        var logRemoval = InfraApp.LogRemoval(options);

        Network = new Network(this, "Network", options.NatGateways, logRemoval, options.AvailabilityZoneIds);
        Cluster = new Cluster(this, "Cluster", new ClusterProps
        {
            Vpc = Network.Vpc,
            ContainerInsights = true,
        });
        Gateway = new HttpGateway(this, "Gateway", Network, options.Environment, logRemoval);
        // The profile's identity provider, or one of our own: either way the authorizer trusts exactly one issuer and its audiences.
        Issuer = options.RunsOwnIssuer
            ? new CognitoIssuer(this, "Issuer", options.Environment, catalog.Services, options.McpCallbackUrls, options.DeletionProtection)
            : null;
        Authorizer = new ApiAuthorizer(this, "Authorizer", Gateway.Api, options.Environment,
            Issuer?.IssuerUrl ?? options.JwtIssuer!, Issuer?.Audiences ?? [options.JwtAudience!]);
        Alarms = new AlarmTopic(this, "Alarms", options.Environment, options.AlarmEmail, options.AlarmHttpsEndpoint);
        ApiAlarms = new ApiAlarms(this, "ApiAlarms", options.Environment, Gateway, Alarms.Topic);
        Dashboard = new EnvironmentDashboard(this, "Dashboard", options.Environment, Gateway, catalog.Services);

        var parameters = new Construct(this, "Parameters");
        void Publish(SharedValue value, string cfnValue, string description) =>
            _ = new StringParameter(parameters, value.ToString(), new StringParameterProps
            {
                ParameterName = DeploymentNames.SharedParameter(options.Environment, value),
                StringValue = cfnValue,
                Description = $"apigw {options.Environment}, shared stack: {description}",
                Tier = ParameterTier.STANDARD,
            });
        Publish(SharedValue.VpcId, Network.Vpc.VpcId, "VPC of the environment");
        Publish(SharedValue.PrivateSubnetIds, Fn.Join(",", Network.Vpc.PrivateSubnets.Select(s => s.SubnetId).ToArray()),
            "private subnets (one per AZ), comma-separated: ALBs and tasks");
        Publish(SharedValue.ClusterName, Cluster.ClusterName, "ECS cluster name");
        Publish(SharedValue.ClusterArn, Cluster.ClusterArn, "ECS cluster ARN");
        Publish(SharedValue.HttpApiId, EvenWhereSkipped(Gateway.Api.ApiId), "HTTP API that service stacks add their routes to");
        Publish(SharedValue.VpcLinkId, EvenWhereSkipped(Gateway.VpcLink.VpcLinkId), "VPC Link the service integrations go through");
        Publish(SharedValue.VpcLinkSecurityGroupId, Gateway.VpcLinkSecurityGroup.SecurityGroupId,
            "security group of the VPC Link; each service stack lets it reach its ALB");
        Publish(SharedValue.ApiEndpoint, EvenWhereSkipped(Gateway.Api.ApiId, "https://${Id}.execute-api.${AWS::Region}.${AWS::URLSuffix}"),
            "public origin of the HTTP API (services build absolute URLs, e.g. OAuth metadata, from it)");
        Publish(SharedValue.AuthorizerId, Authorizer.AuthorizerId, "JWT authorizer every service route names unless its manifest declares the path public");
        Publish(SharedValue.AuthIssuer, Authorizer.Issuer, "issuer the API trusts (the 'iss' of accepted tokens)");
        Publish(SharedValue.AuthAudience, Authorizer.AudienceList,
            "audiences accepted tokens carry, comma-separated ('aud', or 'client_id' for Cognito access tokens: the machine and the interactive client)");
        Publish(SharedValue.AlarmTopicArn, Alarms.Topic.TopicArn, "SNS topic every alarm notifies");
        // With an external issuer there is no pool: 'none' rather than an empty value, which SSM refuses.
        Publish(SharedValue.UserPoolId, Issuer?.UserPoolId ?? DeploymentNames.NoIssuerOfOurOwn, "Cognito user pool of the environment's own issuer");
        Publish(SharedValue.TokenClientId, Issuer?.ClientId ?? DeploymentNames.NoIssuerOfOurOwn, "Cognito machine client that ./build.sh Token uses");
        Publish(SharedValue.TokenEndpoint, Issuer?.TokenEndpoint ?? DeploymentNames.NoIssuerOfOurOwn, "OAuth token endpoint for the client-credentials grant");
        Publish(SharedValue.InteractiveClientId, Issuer?.InteractiveClientId ?? DeploymentNames.NoIssuerOfOurOwn,
            "Cognito public client interactive MCP clients sign in with (authorization code with PKCE); configure it in the client");

        // Plain outputs (no exports) for the pipeline and for people.
        _ = new CfnOutput(this, DeploymentNames.ClusterNameOutput, new CfnOutputProps
        {
            Value = Cluster.ClusterName,
            Description = "ECS cluster",
        });
        _ = new CfnOutput(this, DeploymentNames.ApiEndpointOutput, new CfnOutputProps
        {
            Value = Gateway.Endpoint,
            Description = "Public endpoint of the HTTP API",
        });
        _ = new CfnOutput(this, DeploymentNames.DashboardNameOutput, new CfnOutputProps
        {
            Value = Dashboard.Dashboard.DashboardName,
            Description = "CloudWatch dashboard of the environment: the API, each service's routes, the gateway's last errors",
        });
        _ = new CfnOutput(this, DeploymentNames.AccessLogGroupOutput, new CfnOutputProps
        {
            Value = Gateway.AccessLogs.LogGroupName,
            Description = "Log group of the HTTP API's access log: one JSON line per request, with its request_id",
        });
        if (Issuer is not null)
        {
            // For the admin who creates users and the people who configure an MCP client (README); Ref-composed like the rest.
            _ = new CfnOutput(this, DeploymentNames.UserPoolIdOutput, new CfnOutputProps
            {
                Value = Issuer.UserPoolId,
                Description = "Cognito user pool of the environment: aws cognito-idp admin-create-user --user-pool-id <this> ...",
            });
            _ = new CfnOutput(this, DeploymentNames.InteractiveClientIdOutput, new CfnOutputProps
            {
                Value = Issuer.InteractiveClientId,
                Description = "OAuth client id for interactive MCP clients (VS Code, Claude, Cursor, MCP Inspector); public, no secret",
            });
        }
    }

    /// <summary>The deployment environment (<c>dev</c>, <c>prod</c>), not the CDK's account/region <see cref="Stack.Environment"/>.</summary>
    public string EnvironmentName { get; }

    public Network Network { get; }

    public Cluster Cluster { get; }

    public HttpGateway Gateway { get; }

    /// <summary>The environment's own issuer; null when the profile names an external one (<see cref="InfraOptions.JwtIssuer"/>).</summary>
    public CognitoIssuer? Issuer { get; }

    public ApiAuthorizer Authorizer { get; }

    public AlarmTopic Alarms { get; }

    public ApiAlarms ApiAlarms { get; }

    public EnvironmentDashboard Dashboard { get; }

    /// <summary>
    /// The id of a resource as a parameter value that is never empty: <c>Fn::Sub</c> of the resource's <c>Ref</c> (or of a
    /// <paramref name="format"/> around it, <c>${Id}</c> standing for the id), the same string on AWS. Emulators that skip
    /// the HTTP API, VPC Link, authorizer and Cognito (moto creates none of them) resolve such a <c>Ref</c> to nothing, and
    /// an SSM parameter may not be empty, which would fail the whole stack there.
    /// </summary>
    internal static string EvenWhereSkipped(string reference, string format = "${Id}") =>
        Fn.Sub(format, new Dictionary<string, string> { ["Id"] = reference });
}
