using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.SSM;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// <c>apigw-&lt;env&gt;-shared</c>: what every service shares: VPC, NAT, flow logs, the ECS cluster, the HTTP API with its
/// VPC Link and <c>$default</c> stage. It names no service, so adding one never touches it. What the service stacks need
/// it writes to SSM parameters at stable paths (<see cref="DeploymentNames.SharedParameter"/>), not CloudFormation exports:
/// no export lock, so this stack can change a value while service stacks use it (they pick it up at their next deploy),
/// and change sets behave the same on AWS and on the emulator. The price: CloudFormation does not stop this stack from
/// being deleted under the service stacks; deleting services first is the pipeline's job.
/// </summary>
public sealed class EnvironmentStack : Stack
{
    public EnvironmentStack(Construct scope, InfraOptions options, IStackProps props)
        : base(scope, DeploymentNames.SharedStack(options.Environment), props)
    {
        EnvironmentName = options.Environment;
        var logRemoval = InfraApp.LogRemoval(options);

        Network = new Network(this, "Network", options.NatGateways, logRemoval);
        Cluster = new Cluster(this, "Cluster", new ClusterProps
        {
            Vpc = Network.Vpc,
            ContainerInsights = true,
        });
        Gateway = new HttpGateway(this, "Gateway", Network, options.Environment, logRemoval);

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
    }

    /// <summary>The deployment environment (<c>dev</c>, <c>prod</c>), not the CDK's account/region <see cref="Stack.Environment"/>.</summary>
    public string EnvironmentName { get; }

    public Network Network { get; }

    public Cluster Cluster { get; }

    public HttpGateway Gateway { get; }

    /// <summary>
    /// The id of a resource as a parameter value that is never empty: <c>Fn::Sub</c> of the resource's <c>Ref</c>, the
    /// same string on AWS. Emulators that skip the HTTP API and VPC Link (moto creates neither) resolve such a
    /// <c>Ref</c> to nothing, and an SSM parameter may not be empty, which would fail the whole stack there.
    /// </summary>
    static string EvenWhereSkipped(string reference) =>
        Fn.Sub("${Id}", new Dictionary<string, string> { ["Id"] = reference });
}
