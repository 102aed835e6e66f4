using Amazon.CDK.AWS.ECS;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// How ECS rolls a new version of a service out: ECS's own deployment strategies (<c>ROLLING</c>, <c>BLUE_GREEN</c>,
/// <c>CANARY</c>, <c>LINEAR</c>, 2025) written onto the service's <c>AWS::ECS::Service</c>: the strategy, its bake time,
/// the canary or linear steps, lifecycle hooks, and for the strategies that shift traffic the load balancer's
/// <c>AdvancedConfiguration</c> (the alternate target group, the production and test listener rules, the role ECS moves
/// traffic with).
/// </summary>
/// <remarks>
/// <para>Amazon.CDK.Lib 2.160's <c>CfnService</c> has no typed property for any of these (they came with CloudFormation's
/// 2025 schema), and no newer CDK restores here. So every one of them is written through CDK's escape hatch,
/// <c>AddPropertyOverride</c>, here and nowhere else: the day a newer CDK is served, they become typed properties of
/// <c>FargateService</c> / <c>CfnService</c> in this one file, and the templates stay the same.</para>
/// <para>The names and shapes are CloudFormation's (<c>AWS::ECS::Service DeploymentConfiguration</c>,
/// <c>CanaryConfiguration</c>, <c>LinearConfiguration</c>, <c>DeploymentLifecycleHook</c>, <c>AdvancedConfiguration</c>), which
/// cfn-lint 1.51 validates. A rolling service gets <c>Strategy: ROLLING</c> and nothing more: written rather than left out, so
/// a service that switches back from canary is told so (as with the ALB's deletion protection, a property only dropped from a
/// template is not reliably reset).</para>
/// </remarks>
public sealed class ServiceDeploymentStrategy : Construct
{
    public ServiceDeploymentStrategy(Construct scope, string id, CfnService service, ServiceDeploymentStrategyProps props) : base(scope, id)
    {
        var rollout = props.Rollout;
        Rollout = rollout;
        if (rollout.ShiftsTraffic && props.AlternateTarget is null)
            throw new ArgumentException(
                $"{service.Node.Path}: a {RolloutStrategy.NameOf(rollout.Kind)} deployment moves traffic between two target groups, and no AlternateTarget was given. " +
                "Pass ServiceDeploymentStrategyProps.AlternateTarget (the alternate target group, the production and test listener rules and the role ECS shifts traffic with), " +
                "or use the rolling strategy.");

        const string Configuration = "DeploymentConfiguration.";
        service.AddPropertyOverride(Configuration + "Strategy", rollout.EcsStrategy);
        if (!rollout.ShiftsTraffic)
            return;

        service.AddPropertyOverride(Configuration + "BakeTimeInMinutes", rollout.BakeTimeMinutes);
        switch (rollout.Kind)
        {
            case RolloutKind.Canary:
                service.AddPropertyOverride(Configuration + "CanaryConfiguration", new Dictionary<string, object>
                {
                    ["CanaryPercent"] = Tenths(rollout.CanaryPercent),
                    ["CanaryBakeTimeInMinutes"] = rollout.CanaryBakeTimeMinutes,
                });
                break;
            case RolloutKind.Linear:
                service.AddPropertyOverride(Configuration + "LinearConfiguration", new Dictionary<string, object>
                {
                    ["StepPercent"] = Tenths(rollout.LinearStepPercent),
                    ["StepBakeTimeInMinutes"] = rollout.LinearStepBakeTimeMinutes,
                });
                break;
        }
        if (props.LifecycleHooks.Count > 0)
            service.AddPropertyOverride(Configuration + "LifecycleHooks", props.LifecycleHooks.Select(hook => (object)new Dictionary<string, object>
            {
                ["HookTargetArn"] = hook.HookTargetArn,
                ["RoleArn"] = hook.RoleArn,
                ["LifecycleStages"] = hook.LifecycleStages.Select(stage => (object)stage.ToString()).ToArray(),
            }).ToArray());

        var target = props.AlternateTarget!;
        var advanced = new Dictionary<string, object>
        {
            ["AlternateTargetGroupArn"] = target.AlternateTargetGroupArn,
            ["ProductionListenerRule"] = target.ProductionListenerRuleArn,
            ["RoleArn"] = target.RoleArn,
        };
        if (target.TestListenerRuleArn is { } test)
            advanced["TestListenerRule"] = test;
        // The service's one load balancer (its container on the primary target group); CDK renders LoadBalancers lazily,
        // and the override is merged into that first entry.
        service.AddPropertyOverride("LoadBalancers.0.AdvancedConfiguration", advanced);
        // CDK makes a service depend on every listener rule that forwards to its target group; the rules named here are
        // already ordered before the service by these references, which cfn-lint reports as a redundant DependsOn (W3005).
        // Harmless, and the DependsOn is CDK's own; the check is silenced on this one resource rather than for every template.
        service.AddMetadata("cfn-lint", new Dictionary<string, object>
        {
            ["config"] = new Dictionary<string, object> { ["ignore_checks"] = new object[] { RedundantDependsOnCheck } },
        });
    }

    /// <summary>cfn-lint's "dependency already enforced by a Ref" warning.</summary>
    public const string RedundantDependsOnCheck = "W3005";

    /// <summary>The strategy written onto the service.</summary>
    public RolloutStrategy Rollout { get; }

    /// <summary>Percentages go to CloudFormation as numbers with at most one decimal (ECS accepts multiples of 0.1).</summary>
    static double Tenths(double percent) => Math.Round(percent, 1, MidpointRounding.AwayFromZero);
}

/// <summary>What <see cref="ServiceDeploymentStrategy"/> writes onto the service.</summary>
public sealed record ServiceDeploymentStrategyProps
{
    /// <summary>The strategy and its timings, in the manifest's terms (<see cref="ServiceManifest.Deployment"/>, with a run's overrides). Default: <see cref="RolloutStrategy.Default"/> (canary 10 % for 3 minutes, bake 5).</summary>
    public RolloutStrategy Rollout { get; init; } = RolloutStrategy.Default;

    /// <summary>Where ECS moves the traffic. Required when <see cref="Rollout"/> shifts traffic (every strategy but rolling); default: none.</summary>
    public AlternateTarget? AlternateTarget { get; init; }

    /// <summary>Functions ECS calls at stages of a deployment (a failed hook rolls it back). Default: none; the alarms and the bake time judge a deployment.</summary>
    public IReadOnlyList<DeploymentLifecycleHook> LifecycleHooks { get; init; } = [];
}

/// <summary>
/// The load balancer side of a traffic-shifting deployment, as ECS's <c>AdvancedConfiguration</c> names it (ARNs or tokens
/// that resolve to them).
/// </summary>
/// <param name="AlternateTargetGroupArn">The second target group; ECS registers the new version's tasks in whichever of the two is not serving.</param>
/// <param name="ProductionListenerRuleArn">The rule whose forward weights ECS moves from one target group to the other.</param>
/// <param name="RoleArn">The role ECS assumes to change those rules and register targets (trusted by <c>ecs.amazonaws.com</c>).</param>
/// <param name="TestListenerRuleArn">The rule that reaches the new version before it gets production traffic; null: no test route.</param>
public sealed record AlternateTarget(string AlternateTargetGroupArn, string ProductionListenerRuleArn, string RoleArn, string? TestListenerRuleArn = null);

/// <summary>
/// A function ECS invokes at the stages of a deployment it names (CloudFormation's <c>DeploymentLifecycleHook</c>); ECS
/// rolls the deployment back when it answers <c>FAILED</c>.
/// </summary>
/// <param name="HookTargetArn">The Lambda function's ARN.</param>
/// <param name="RoleArn">The role ECS invokes it with.</param>
/// <param name="LifecycleStages">When it runs.</param>
public sealed record DeploymentLifecycleHook(string HookTargetArn, string RoleArn, IReadOnlyList<DeploymentLifecycleStage> LifecycleStages);

/// <summary>The stages of an ECS deployment a lifecycle hook can run at, in ECS's spelling.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1707", Justification = "ECS's own stage names, written into the template as they are.")]
public enum DeploymentLifecycleStage
{
    RECONCILE_SERVICE,
    PRE_SCALE_UP,
    POST_SCALE_UP,
    TEST_TRAFFIC_SHIFT,
    POST_TEST_TRAFFIC_SHIFT,
    PRODUCTION_TRAFFIC_SHIFT,
    POST_PRODUCTION_TRAFFIC_SHIFT,
}
