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
/// The first two are the service's deployment alarms: they have fixed names (<see cref="DeploymentNames.FiveXxAlarm"/>,
/// <see cref="DeploymentNames.UnhealthyHostsAlarm"/>) that the ECS service lists in its deployment configuration, so
/// ECS rolls back a deployment during which either goes off. Every alarm notifies the environment's alarm topic.
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

        // What the service's own routes answer: a release whose health endpoint passes but whose routes fail shows here,
        // not in the ALB's 5xx (those are the ALB's own 502/503/504).
        TargetFiveXx = loadBalancer.TargetGroup.Metrics.HttpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, new MetricOptions { Period = oneMinute, Statistic = "Sum" })
            .CreateAlarm(this, "Target5xx", new CreateAlarmOptions
            {
                AlarmName = DeploymentNames.FiveXxAlarm(environment, name),
                AlarmDescription = $"{name}: its tasks answered 5xx more than {FiveXxPerMinute} times a minute; rolls back a deployment in progress",
                Threshold = FiveXxPerMinute,
                EvaluationPeriods = 3,
                DatapointsToAlarm = 2,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            });
        UnhealthyHosts = loadBalancer.TargetGroup.Metrics.UnhealthyHostCount(new MetricOptions { Period = oneMinute, Statistic = "Maximum" })
            .CreateAlarm(this, "UnhealthyHosts", new CreateAlarmOptions
            {
                AlarmName = DeploymentNames.UnhealthyHostsAlarm(environment, name),
                AlarmDescription = $"{name}: at least one target failed its health check; rolls back a deployment in progress",
                Threshold = 1,
                EvaluationPeriods = 3,
                DatapointsToAlarm = 2,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            });

        var alarms = new List<Alarm>
        {
            TargetFiveXx,
            UnhealthyHosts,
            loadBalancer.LoadBalancer.Metrics.HttpCodeElb(HttpCodeElb.ELB_5XX_COUNT, new MetricOptions { Period = oneMinute, Statistic = "Sum" })
                .CreateAlarm(this, "Elb5xx", new CreateAlarmOptions
                {
                    AlarmDescription = $"{name}: the ALB answered 5xx more than {FiveXxPerMinute} times a minute",
                    Threshold = FiveXxPerMinute,
                    EvaluationPeriods = 3,
                    DatapointsToAlarm = 2,
                    ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                    TreatMissingData = TreatMissingData.NOT_BREACHING,
                }),
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

    /// <summary>Deployment alarm: the targets' 5xx (<c>HTTPCode_Target_5XX_Count</c>).</summary>
    public Alarm TargetFiveXx { get; }

    /// <summary>Deployment alarm: targets failing the ALB health check (<c>UnHealthyHostCount</c>).</summary>
    public Alarm UnhealthyHosts { get; }

    /// <summary>The alarms the ECS service rolls a deployment back on, in the order of <see cref="DeploymentNames.DeploymentAlarms"/>.</summary>
    public IReadOnlyList<Alarm> DeploymentAlarms => [TargetFiveXx, UnhealthyHosts];
}
