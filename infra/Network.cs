using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace Pipeline.Infra;

/// <summary>
/// VPC 10.0.0.0/16 over two AZs: public subnets hold the NAT gateways, private subnets hold ALBs, tasks and the VPC Link.
/// With zone IDs, every subnet names its zone by ID: HTTP API VPC links work only in some zones of a region, and which
/// zone a name such as us-east-1a means differs from account to account.
/// </summary>
public sealed class Network : Construct
{
    public const string Cidr = "10.0.0.0/16";
    public const int AvailabilityZones = 2;

    /// <param name="availabilityZoneIds">One zone ID per AZ, in subnet order; empty: the region's first zones (<c>Fn::GetAZs</c>).</param>
    public Network(Construct scope, string id, int natGateways, RemovalPolicy logRemoval, IReadOnlyList<string> availabilityZoneIds) : base(scope, id)
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
        if (availabilityZoneIds.Count > 0)
            PlaceSubnetsByZoneId(availabilityZoneIds);
    }

    /// <summary>
    /// The Vpc construct knows zones only by name. Each subnet keeps its position (the n-th zone of the VPC), so the public
    /// and private subnet of a zone, its NAT gateway and its route tables stay together; only the zone's name becomes an ID.
    /// Nothing else in the template names a zone: NAT gateways, route tables, ALBs and the VPC Link refer to subnets.
    /// </summary>
    void PlaceSubnetsByZoneId(IReadOnlyList<string> zoneIds)
    {
        if (zoneIds.Count != Vpc.AvailabilityZones.Length)
            throw new ArgumentException($"The VPC spans {Vpc.AvailabilityZones.Length} zones; {zoneIds.Count} zone IDs were given.", nameof(zoneIds));
        foreach (var subnet in Vpc.PublicSubnets.Concat(Vpc.PrivateSubnets))
        {
            var position = Array.IndexOf(Vpc.AvailabilityZones, subnet.AvailabilityZone);
            if (position < 0)
                throw new InvalidOperationException($"Subnet {subnet.Node.Path} is in a zone the VPC does not list; cannot give it a zone ID.");
            var resource = (CfnSubnet)subnet.Node.DefaultChild!;
            resource.AddPropertyDeletionOverride("AvailabilityZone");
            resource.AddPropertyOverride("AvailabilityZoneId", zoneIds[position]);
        }
    }

    public Vpc Vpc { get; }

    public SubnetSelection PrivateSubnets => new() { SubnetType = SubnetType.PRIVATE_WITH_EGRESS };
}
