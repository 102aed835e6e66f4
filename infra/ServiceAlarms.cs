using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.SNS;
using Constructs;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// The signals that say a service is hurting: its targets' 5xx, unhealthy targets, the ALB's own 5xx, latency and CPU.
/// The deployment alarms have fixed names that the ECS service lists in its deployment configuration, so ECS rolls back a
/// deployment during which one goes off: for a rolling service its targets' 5xx and unhealthy targets
/// (<see cref="DeploymentNames.FiveXxAlarm"/>, <see cref="DeploymentNames.UnhealthyHostsAlarm"/>); for a service that shifts
/// traffic, per target group, an error rate, a p95 latency and unhealthy targets (<see cref="DeploymentNames.TargetGroupAlarms"/>),
/// so the target group that holds the new version is judged on its own requests. Every alarm notifies the environment's
/// alarm topic.
/// </summary>
public sealed class ServiceAlarms : Construct
{
    /// <summary>Threshold of both 5xx alarms: the targets' (a deployment alarm) and the ALB's own (502/503/504, notify only).</summary>
    public const int FiveXxPerMinute = 5;
    public const double LatencySeconds = 2;
    public const int CpuPercent = 85;

    public ServiceAlarms(Construct scope, string id, string environment, ServiceLoadBalancer loadBalancer, ServiceFargate tasks, ITopic topic)
        : base(scope, id)
    {
        var name = loadBalancer.Service.Name;
        var oneMinute = Duration.Minutes(1);

        DeploymentAlarms = loadBalancer.Shifting is { } shifting
            ?
            [
                .. TargetGroupAlarms(environment, name, TrafficTargetGroup.Primary, loadBalancer.TargetGroup),
                .. TargetGroupAlarms(environment, name, TrafficTargetGroup.Alternate, shifting.AlternateTargetGroup),
            ]
            : WholeTargetGroupAlarms(environment, name, loadBalancer.TargetGroup);

        var alarms = new List<Alarm>(DeploymentAlarms)
        {
            loadBalancer.LoadBalancer.Metrics.HttpCodeElb(HttpCodeElb.ELB_5XX_COUNT, new MetricOptions { Period = oneMinute, Statistic = "Sum" })
                .CreateAlarm(this, "Elb5xx", TwoOfThreeMinutes(null, $"{name}: the ALB answered 5xx more than {FiveXxPerMinute} times a minute", FiveXxPerMinute)),
            loadBalancer.LoadBalancer.Metrics.TargetResponseTime(new MetricOptions { Period = oneMinute, Statistic = "p95" })
                .CreateAlarm(this, "Latency", new CreateAlarmOptions
                {
                    AlarmDescription = $"{name}: p95 latency above {LatencySeconds} s",
                    Threshold = LatencySeconds,
                    EvaluationPeriods = 5,
                    DatapointsToAlarm = 3,
                    ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                    TreatMissingData = TreatMissingData.NOT_BREACHING,
                }),
            tasks.FargateService.MetricCpuUtilization(new MetricOptions { Period = oneMinute, Statistic = "Average" })
                .CreateAlarm(this, "Cpu", new CreateAlarmOptions
                {
                    AlarmDescription = $"{name}: CPU above {CpuPercent} % even after scaling out",
                    Threshold = CpuPercent,
                    EvaluationPeriods = 5,
                    DatapointsToAlarm = 5,
                    ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                    TreatMissingData = TreatMissingData.MISSING,
                }),
        };

        // The environment's topic (shared stack, ARN read from SSM): whoever the profile subscribed hears of every alarm.
        foreach (var alarm in alarms)
            alarm.AddAlarmAction(new SnsAction(topic));
    }

    /// <summary>
    /// An alarm that goes off when two of three one-minute periods breach <paramref name="threshold"/>, and takes a minute without
    /// data for a good one: the judgement of every alarm that may roll a deployment back (and of the ALB's own 5xx).
    /// </summary>
    static CreateAlarmOptions TwoOfThreeMinutes(string? name, string description, double threshold,
        ComparisonOperator comparison = ComparisonOperator.GREATER_THAN_THRESHOLD) => new()
        {
            AlarmName = name,
            AlarmDescription = description,
            Threshold = threshold,
            EvaluationPeriods = 3,
            DatapointsToAlarm = 2,
            ComparisonOperator = comparison,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        };

    /// <summary>
    /// The alarms the ECS service rolls a deployment back on, in the order of <see cref="DeploymentNames.DeploymentAlarms"/>.
    /// </summary>
    public IReadOnlyList<Alarm> DeploymentAlarms { get; }

    /// <summary>Rolling: the target group's 5xx count and unhealthy targets, old and new tasks together.</summary>
    List<Alarm> WholeTargetGroupAlarms(string environment, string name, ApplicationTargetGroup targetGroup)
    {
        var oneMinute = Duration.Minutes(1);
        // What the service's own routes answer: a release whose health endpoint passes but whose routes fail shows here,
        // not in the ALB's 5xx (those are the ALB's own 502/503/504).
        var fiveXx = targetGroup.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, new MetricOptions { Period = oneMinute, Statistic = "Sum" })
            .CreateAlarm(this, "Target5xx", TwoOfThreeMinutes(DeploymentNames.FiveXxAlarm(environment, name),
                $"{name}: its tasks answered 5xx more than {FiveXxPerMinute} times a minute; rolls back a deployment in progress", FiveXxPerMinute));
        var unhealthy = targetGroup.Metrics.UnhealthyHostCount(new MetricOptions { Period = oneMinute, Statistic = "Maximum" })
            .CreateAlarm(this, "UnhealthyHosts", TwoOfThreeMinutes(DeploymentNames.UnhealthyHostsAlarm(environment, name),
                $"{name}: at least one target failed its health check; rolls back a deployment in progress", 1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD));
        return [fiveXx, unhealthy];
    }

    /// <summary>
    /// Traffic-shifting: one target group's error rate (<c>100 × HTTPCode_Target_5XX_Count / RequestCount</c>), p95
    /// <c>TargetResponseTime</c> and unhealthy targets, with the thresholds the local gateway's judge applies
    /// (<see cref="RolloutThresholds"/>). The metrics carry the target group's and the load balancer's dimensions, so each
    /// alarm sees only the version that target group holds.
    /// </summary>
    List<Alarm> TargetGroupAlarms(string environment, string name, TrafficTargetGroup group, ApplicationTargetGroup targetGroup)
    {
        var oneMinute = Duration.Minutes(1);
        var slot = group.ToString();
        var which = group == TrafficTargetGroup.Primary ? "primary" : "alternate";
        // FILL: a minute without a 5xx has no HTTPCode_Target_5XX_Count datapoint at all, and is 0 %. A minute without
        // requests has no RequestCount either: no value, which counts as not breaching.
        var errorRate = new MathExpression(new MathExpressionProps
        {
            Expression = "100 * FILL(errors, 0) / requests",
            UsingMetrics = new Dictionary<string, IMetric>
            {
                ["errors"] = targetGroup.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, new MetricOptions { Period = oneMinute, Statistic = "Sum" }),
                ["requests"] = targetGroup.Metrics.RequestCount(new MetricOptions { Period = oneMinute, Statistic = "Sum" }),
            },
            Label = $"{name} {which} target group: 5xx per 100 requests",
            Period = oneMinute,
        }).CreateAlarm(this, slot + "ErrorRate", TwoOfThreeMinutes(DeploymentNames.TargetGroupErrorRateAlarm(environment, name, group),
            $"{name}: more than {RolloutThresholds.ErrorRatePercent} % of the requests to its {which} target group answered 5xx; rolls back a deployment in progress",
            RolloutThresholds.ErrorRatePercent));
        var latency = targetGroup.Metrics.TargetResponseTime(new MetricOptions { Period = oneMinute, Statistic = "p95" })
            .CreateAlarm(this, slot + "Latency", TwoOfThreeMinutes(DeploymentNames.TargetGroupLatencyAlarm(environment, name, group),
                $"{name}: p95 latency of its {which} target group above {RolloutThresholds.P95LatencySeconds} s; rolls back a deployment in progress",
                RolloutThresholds.P95LatencySeconds));
        var unhealthy = targetGroup.Metrics.UnhealthyHostCount(new MetricOptions { Period = oneMinute, Statistic = "Maximum" })
            .CreateAlarm(this, slot + "UnhealthyHosts", TwoOfThreeMinutes(DeploymentNames.TargetGroupUnhealthyHostsAlarm(environment, name, group),
                $"{name}: at least one target of its {which} target group failed its health check; rolls back a deployment in progress",
                1, ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD));
        return [errorRate, latency, unhealthy];
    }
}
