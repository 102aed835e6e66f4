using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// What ECS needs on a service's ALB to move traffic from one version to the next itself (blue/green, canary, linear):
/// a second target group, a production rule and a test rule that both forward to the two target groups with weights, and
/// the role ECS changes those weights and registers tasks with. Built by <see cref="ServiceLoadBalancer"/> for every
/// strategy but rolling.
/// </summary>
/// <remarks>
/// <para>As ECS's guide to ALB resources for blue/green deployments asks: two IP target groups with the same health check,
/// a production listener rule whose forward action lists both target groups (100 on the one the service is created with, 0
/// on the other), an optional test listener rule, the deployment controller <c>ECS</c>. During a deployment ECS registers the
/// new tasks in the target group that is not serving, points the test rule at it, then changes the production rule's
/// weights step by step (canary, linear) or at once (blue/green), and keeps the old tasks for the bake time. Each rule has
/// exactly one forward action: ECS refuses listener rules that mix forward with other actions. The listener's default
/// action, which no request reaches because the production rule matches every path, answers a fixed 404.</para>
/// <para><b>The weights in the template are only the first deploy's.</b> After a deployment ECS leaves the production rule at
/// 0/100 (the new version lives in the alternate target group), so the template no longer says what is live.
/// CloudFormation compares a template with the previous template, not with the resource, so it does not touch the rules
/// while their properties stay the same; if a later stack update changed a rule's properties, CloudFormation would send the
/// template's weights again and move all traffic back to the primary target group, which may then have no tasks.
/// Therefore the rules' properties are built from things that never change between deploys (the listener, the two target
/// groups, fixed priorities, a fixed header), never from an image tag, a strategy's timings or another per-deploy value;
/// a test holds them equal across strategies and image tags.</para>
/// </remarks>
public sealed class TrafficShifting : Construct
{
    /// <summary>The test rule is evaluated first: it matches only requests that carry the test header.</summary>
    public const int TestRulePriority = 1;

    /// <summary>The production rule matches every path, so it comes after the test rule.</summary>
    public const int ProductionRulePriority = 2;

    public const int PrimaryWeight = 100;
    public const int AlternateWeight = 0;

    public const string EcsService = "ecs.amazonaws.com";

    /// <summary>
    /// The actions ECS calls on a load balancer during such a deployment, as the AWS-managed
    /// <c>AmazonECSInfrastructureRolePolicyForLoadBalancers</c> lists them, without its Network Load Balancer listener grant.
    /// </summary>
    public static readonly IReadOnlyList<string> DescribeActions =
    [
        "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
    ];

    public static readonly IReadOnlyList<string> TargetActions = ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"];

    public const string RuleAction = "elasticloadbalancing:ModifyRule";

    public const string ListenerAction = "elasticloadbalancing:ModifyListener";

    public TrafficShifting(Construct scope, string id, string environment, ServiceManifest service, ApplicationListener listener,
        ApplicationTargetGroup primary, ApplicationTargetGroup alternate) : base(scope, id)
    {
        AlternateTargetGroup = alternate;
        var bothTargetGroups = Amazon.CDK.AWS.ElasticLoadBalancingV2.ListenerAction.WeightedForward(
        [
            new WeightedTargetGroup { TargetGroup = primary, Weight = PrimaryWeight },
            new WeightedTargetGroup { TargetGroup = alternate, Weight = AlternateWeight },
        ]);

        TestRule = new ApplicationListenerRule(this, "TestRule", new ApplicationListenerRuleProps
        {
            Listener = listener,
            Priority = TestRulePriority,
            Conditions = [ListenerCondition.HttpHeader(DeploymentNames.TestTrafficHeader, [DeploymentNames.TestTrafficHeaderValue])],
            Action = bothTargetGroups,
        });
        ProductionRule = new ApplicationListenerRule(this, "ProductionRule", new ApplicationListenerRuleProps
        {
            Listener = listener,
            Priority = ProductionRulePriority,
            Conditions = [ListenerCondition.PathPatterns(["/*"])],
            Action = bothTargetGroups,
        });

        // ECS's infrastructure role for load balancers, cut down from the managed policy to this service's listener, its two
        // rules and its two target groups. ELB authorizes Describe* on "*" only (no resource types in the service
        // authorization reference); the rest take the ARNs. ModifyListener is kept, on this one listener, because the managed
        // policy grants it for ALB listeners and ECS does not document that a rule-based setup never calls it.
        Role = new Role(this, "Role", new RoleProps
        {
            RoleName = DeploymentNames.TrafficShiftRole(environment, service.Name),
            Description = $"ECS moves {service.Name}'s traffic between its two target groups during a deployment",
            AssumedBy = new ServicePrincipal(EcsService),
            InlinePolicies = new Dictionary<string, PolicyDocument>
            {
                ["ShiftTraffic"] = new(new PolicyDocumentProps
                {
                    Statements =
                    [
                        new(new PolicyStatementProps { Sid = "ReadLoadBalancing", Actions = [.. DescribeActions], Resources = ["*"] }),
                        new(new PolicyStatementProps
                        {
                            Sid = "TasksInTheTwoTargetGroups", Actions = [.. TargetActions],
                            Resources = [primary.TargetGroupArn, alternate.TargetGroupArn],
                        }),
                        new(new PolicyStatementProps
                        {
                            Sid = "WeightsOfTheTwoRules", Actions = [RuleAction],
                            Resources = [ProductionRule.ListenerRuleArn, TestRule.ListenerRuleArn],
                        }),
                        new(new PolicyStatementProps { Sid = "TheRulesListener", Actions = [ListenerAction], Resources = [listener.ListenerArn] }),
                    ],
                }),
            },
        });
    }

    /// <summary>The target group ECS registers the next version's tasks in (the two swap at every deployment).</summary>
    public ApplicationTargetGroup AlternateTargetGroup { get; }

    /// <summary>Every path, forwarded to both target groups by weight; ECS moves the weights.</summary>
    public ApplicationListenerRule ProductionRule { get; }

    /// <summary>Requests with <see cref="DeploymentNames.TestTrafficHeader"/>: ECS points it at the new version before production traffic.</summary>
    public ApplicationListenerRule TestRule { get; }

    /// <summary>The role ECS shifts traffic with (<see cref="DeploymentNames.TrafficShiftRole"/>), trusted by ECS only.</summary>
    public Role Role { get; }

    /// <summary>What the ECS service's <c>AdvancedConfiguration</c> names.</summary>
    public AlternateTarget AlternateTarget =>
        new(AlternateTargetGroup.TargetGroupArn, ProductionRule.ListenerRuleArn, Role.RoleArn, TestRule.ListenerRuleArn);
}
