using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SSM;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// The shared stack as a service stack sees it: every value comes from one of its SSM parameters
/// (<see cref="DeploymentNames.SharedParameter"/>), read as a template parameter of type
/// <c>AWS::SSM::Parameter::Value&lt;String&gt;</c> whose default is the path, so CloudFormation resolves the current value
/// at each create or update of the service stack. Never a CDK cross-stack reference (generated export names that change
/// with construct paths) and never a <c>{{resolve:ssm:...}}</c> dynamic reference (moto does not resolve those).
/// </summary>
/// <remarks>
/// Only the values a service stack uses are read: an unread parameter would be an unused template parameter. The cluster
/// ARN is published but not read; the ECS constructs need only the cluster's name. Nor are the Cognito values (user pool,
/// token client, token endpoint, interactive client): they are for the pipeline's Token target and for people, not for services.
/// </remarks>
public sealed class SharedImports : Construct
{
    public SharedImports(Construct scope, string id, string environment) : base(scope, id)
    {
        Environment = environment;
        // The shared VPC has one private subnet per AZ; the AZs are the region's first ones, as in the shared stack.
        Vpc = Amazon.CDK.AWS.EC2.Vpc.FromVpcAttributes(this, "Vpc", new VpcAttributes
        {
            VpcId = Read(SharedValue.VpcId),
            AvailabilityZones = Enumerable.Range(0, Network.AvailabilityZones).Select(i => Fn.Select(i, Fn.GetAzs())).ToArray(),
            // One String parameter, comma-joined; the AZ count is explicit so the template selects exactly that many subnets.
            PrivateSubnetIds = Fn.Split(",", Read(SharedValue.PrivateSubnetIds), Network.AvailabilityZones),
        });

        Cluster = Amazon.CDK.AWS.ECS.Cluster.FromClusterAttributes(this, "Cluster", new ClusterAttributes
        {
            ClusterName = Read(SharedValue.ClusterName),
            Vpc = Vpc,
            SecurityGroups = [],
        });

        Api = HttpApi.FromHttpApiAttributes(this, "Api", new HttpApiAttributes { HttpApiId = Read(SharedValue.HttpApiId) });

        VpcLink = Amazon.CDK.AWS.Apigatewayv2.VpcLink.FromVpcLinkAttributes(this, "VpcLink", new VpcLinkAttributes
        {
            VpcLinkId = Read(SharedValue.VpcLinkId),
            Vpc = Vpc,
        });

        AuthorizerId = Read(SharedValue.AuthorizerId);
        AuthIssuer = Read(SharedValue.AuthIssuer);
        AuthAudience = Read(SharedValue.AuthAudience);
        ApiEndpoint = Read(SharedValue.ApiEndpoint);
        AlarmTopic = Topic.FromTopicArn(this, "AlarmTopic", Read(SharedValue.AlarmTopicArn));

        // Mutable and without "allow all outbound": the service stack adds the VPC Link's egress to its own ALB.
        VpcLinkSecurityGroup = SecurityGroup.FromSecurityGroupId(this, "VpcLinkSecurityGroup", Read(SharedValue.VpcLinkSecurityGroupId),
            new SecurityGroupImportOptions { AllowAllOutbound = false, Mutable = true });
    }

    public string Environment { get; }

    public IVpc Vpc { get; }

    /// <summary>The same selection as <see cref="Network.PrivateSubnets"/>: the private subnets read from SSM.</summary>
    public SubnetSelection PrivateSubnets => new() { SubnetType = SubnetType.PRIVATE_WITH_EGRESS };

    public ICluster Cluster { get; }

    public IHttpApi Api { get; }

    public IVpcLink VpcLink { get; }

    public ISecurityGroup VpcLinkSecurityGroup { get; }

    /// <summary>Id of the API's JWT authorizer, which every route that needs a token names.</summary>
    public string AuthorizerId { get; }

    /// <summary>The issuer the API trusts; services that validate tokens themselves (the MCP server) get it as <c>AUTH_ISSUER</c>.</summary>
    public string AuthIssuer { get; }

    /// <summary>The audiences accepted tokens may carry, comma-separated; <c>AUTH_AUDIENCE</c> for services.</summary>
    public string AuthAudience { get; }

    /// <summary>The API's public origin; <c>PUBLIC_BASE_URL</c> for services.</summary>
    public string ApiEndpoint { get; }

    /// <summary>The environment's alarm topic.</summary>
    public ITopic AlarmTopic { get; }

    string Read(SharedValue value) => StringParameter.ValueForStringParameter(this, DeploymentNames.SharedParameter(Environment, value));
}
