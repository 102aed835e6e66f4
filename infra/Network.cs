using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace Pipeline.Infra;

/// <summary>VPC 10.0.0.0/16 over two AZs: public subnets hold the NAT gateways, private subnets hold ALBs, tasks and the VPC Link.</summary>
public sealed class Network : Construct
{
    public const string Cidr = "10.0.0.0/16";
    public const int AvailabilityZones = 2;

    public Network(Construct scope, string id, int natGateways, RemovalPolicy logRemoval) : base(scope, id)
    {
        var flowLogGroup = new LogGroup(this, "FlowLogs", new LogGroupProps
        {
            Retention = RetentionDays.ONE_WEEK,
            RemovalPolicy = logRemoval,
        });

        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            IpAddresses = IpAddresses.Cidr(Cidr),
            MaxAzs = AvailabilityZones,
            NatGateways = natGateways,
            // The default-SG lockdown is a Lambda-backed custom resource (an asset); the default SG is unused here.
            RestrictDefaultSecurityGroup = false,
            SubnetConfiguration =
            [
                new SubnetConfiguration { Name = "Public", SubnetType = SubnetType.PUBLIC, CidrMask = 24 },
                new SubnetConfiguration { Name = "Private", SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 24 },
            ],
            FlowLogs = new Dictionary<string, IFlowLogOptions>
            {
                ["AllTraffic"] = new FlowLogOptions
                {
                    Destination = FlowLogDestination.ToCloudWatchLogs(flowLogGroup),
                    TrafficType = FlowLogTrafficType.ALL,
                },
            },
        });
    }

    public Vpc Vpc { get; }

    public SubnetSelection PrivateSubnets => new() { SubnetType = SubnetType.PRIVATE_WITH_EGRESS };
}
