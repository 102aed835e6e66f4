using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// A service's internal ALB: one listener on the service port forwarding to an IP target group; for a strategy that shifts
/// traffic (every one but rolling), a second target group and the listener rules ECS moves the traffic with
/// (<see cref="TrafficShifting"/>) instead of the listener's plain forward.
/// Nothing may reach it until a peer is allowed: the VPC Link (<see cref="AllowFrom"/>, in the service's own stack) or a
/// calling service (an ingress rule the caller's stack adds to this ALB's security group, whose id it reads from SSM).
/// </summary>
public sealed class ServiceLoadBalancer : Construct
{
    /// <summary>The ALB attribute that makes ELB refuse <c>DeleteLoadBalancer</c>, and so CloudFormation's delete of the stack.</summary>
    public const string DeletionProtectionAttribute = "deletion_protection.enabled";

    /// <summary>What the listener answers a request no rule matches, once the rules decide (a traffic-shifting service).</summary>
    public const int UnmatchedStatusCode = 404;

    /// <param name="rollout">How the service rolls out (<see cref="InfraOptions.RolloutFor"/>); rolling keeps the plain forward.</param>
    /// <param name="deletionProtection"><see cref="InfraOptions.DeletionProtection"/>.</param>
    public ServiceLoadBalancer(Construct scope, string id, string environment, ServiceManifest service, RolloutStrategy rollout, IVpc vpc, SubnetSelection subnets,
        bool deletionProtection = false)
        : base(scope, id)
    {
        Service = service;
        Rollout = rollout;
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

        TargetGroup = NewTargetGroup("TargetGroup", vpc);

        if (!rollout.ShiftsTraffic)
        {
            Listener = LoadBalancer.AddListener("Listener", new BaseApplicationListenerProps
            {
                Port = service.Port,
                Protocol = ApplicationProtocol.HTTP,
                // Open = true would add 0.0.0.0/0 ingress; peers are allowed explicitly instead.
                Open = false,
                DefaultTargetGroups = [TargetGroup],
            });
            return;
        }

        Listener = LoadBalancer.AddListener("Listener", new BaseApplicationListenerProps
        {
            Port = service.Port,
            Protocol = ApplicationProtocol.HTTP,
            Open = false,
            // The rules decide; the production rule matches every path, so nothing should ever land here.
            DefaultAction = ListenerAction.FixedResponse(UnmatchedStatusCode, new FixedResponseOptions
            {
                ContentType = "text/plain",
                MessageBody = $"No listener rule of {service.Name}'s load balancer matched this request.",
            }),
        });
        Shifting = new TrafficShifting(this, "TrafficShifting", environment, service, Listener, TargetGroup, NewTargetGroup("AlternateTargetGroup", vpc));
    }

    /// <summary>An IP target group on the service port with the manifest's health check (both target groups of a traffic-shifting service are alike).</summary>
    ApplicationTargetGroup NewTargetGroup(string id, IVpc vpc) =>
        new(this, id, new ApplicationTargetGroupProps
        {
            Vpc = vpc,
            Port = Service.Port,
            Protocol = ApplicationProtocol.HTTP,
            TargetType = TargetType.IP,
            DeregistrationDelay = Duration.Seconds(RolloutTimings.DeregistrationDelaySeconds),
            HealthCheck = new Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck
            {
                Path = Service.HealthPath,
                Port = Service.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                HealthyHttpCodes = "200",
                Interval = Duration.Seconds(RolloutTimings.HealthCheckIntervalSeconds),
                Timeout = Duration.Seconds(RolloutTimings.HealthCheckTimeoutSeconds),
                HealthyThresholdCount = RolloutTimings.HealthyThresholdCount,
                UnhealthyThresholdCount = RolloutTimings.UnhealthyThresholdCount,
            },
        });

    public ServiceManifest Service { get; }

    public RolloutStrategy Rollout { get; }

    /// <summary>The alternate target group, the listener rules and ECS's role; null for a rolling service.</summary>
    public TrafficShifting? Shifting { get; }

    public SecurityGroup SecurityGroup { get; }

    public ApplicationLoadBalancer LoadBalancer { get; }

    public ApplicationTargetGroup TargetGroup { get; }

    public ApplicationListener Listener { get; }

    public void AllowFrom(IConnectable peer, string why) =>
        LoadBalancer.Connections.AllowFrom(peer, Port.Tcp(Service.Port), why);
}
