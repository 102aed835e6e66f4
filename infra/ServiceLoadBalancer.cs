using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// A service's internal ALB: one listener on the service port forwarding to an IP target group.
/// Nothing may reach it until a peer is allowed: the VPC Link (<see cref="AllowFrom"/>, in the service's own stack) or a
/// calling service (an ingress rule the caller's stack adds to this ALB's security group, whose id it reads from SSM).
/// </summary>
public sealed class ServiceLoadBalancer : Construct
{
    /// <summary>The ALB attribute that makes ELB refuse <c>DeleteLoadBalancer</c>, and so CloudFormation's delete of the stack.</summary>
    public const string DeletionProtectionAttribute = "deletion_protection.enabled";

    /// <param name="deletionProtection"><see cref="InfraOptions.DeletionProtection"/>.</param>
    public ServiceLoadBalancer(Construct scope, string id, ServiceManifest service, IVpc vpc, SubnetSelection subnets, bool deletionProtection = false)
        : base(scope, id)
    {
        Service = service;
        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = vpc,
            Description = $"ALB of {service.Name}: reachable only from the VPC Link and calling services",
            // Egress is opened per target by the target group, to the task security group only.
            AllowAllOutbound = false,
        });

        LoadBalancer = new ApplicationLoadBalancer(this, "LoadBalancer", new ApplicationLoadBalancerProps
        {
            Vpc = vpc,
            InternetFacing = false,
            VpcSubnets = subnets,
            SecurityGroup = SecurityGroup,
            DropInvalidHeaderFields = true,
        });
        // Written out either way: CloudFormation leaves an ALB attribute that is only dropped from the template as it was,
        // so "false" is what lifts the protection an earlier deploy set.
        LoadBalancer.SetAttribute(DeletionProtectionAttribute, deletionProtection ? "true" : "false");

        TargetGroup = new ApplicationTargetGroup(this, "TargetGroup", new ApplicationTargetGroupProps
        {
            Vpc = vpc,
            Port = service.Port,
            Protocol = ApplicationProtocol.HTTP,
            TargetType = TargetType.IP,
            DeregistrationDelay = Duration.Seconds(RolloutTimings.DeregistrationDelaySeconds),
            HealthCheck = new Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck
            {
                Path = service.HealthPath,
                Port = service.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                HealthyHttpCodes = "200",
                Interval = Duration.Seconds(RolloutTimings.HealthCheckIntervalSeconds),
                Timeout = Duration.Seconds(RolloutTimings.HealthCheckTimeoutSeconds),
                HealthyThresholdCount = RolloutTimings.HealthyThresholdCount,
                UnhealthyThresholdCount = RolloutTimings.UnhealthyThresholdCount,
            },
        });

        Listener = LoadBalancer.AddListener("Listener", new BaseApplicationListenerProps
        {
            Port = service.Port,
            Protocol = ApplicationProtocol.HTTP,
            // Open = true would add 0.0.0.0/0 ingress; peers are allowed explicitly instead.
            Open = false,
            DefaultTargetGroups = [TargetGroup],
        });
    }

    public ServiceManifest Service { get; }

    public SecurityGroup SecurityGroup { get; }

    public ApplicationLoadBalancer LoadBalancer { get; }

    public ApplicationTargetGroup TargetGroup { get; }

    public ApplicationListener Listener { get; }

    public void AllowFrom(IConnectable peer, string why) =>
        LoadBalancer.Connections.AllowFrom(peer, Port.Tcp(Service.Port), why);
}
