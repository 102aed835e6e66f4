using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.SNS;
using Constructs;

namespace Pipeline.Infra;

/// <summary>The four signals that say a service is hurting: ALB 5xx, unhealthy targets, latency and CPU.</summary>
public sealed class ServiceAlarms : Construct
{
    public const int ElbFiveXxPerMinute = 5;
    public const double LatencySeconds = 2;
    public const int CpuPercent = 85;

    public ServiceAlarms(Construct scope, string id, ServiceLoadBalancer loadBalancer, ServiceFargate tasks, string? alarmTopicArn)
        : base(scope, id)
    {
        var name = loadBalancer.Service.Name;
        var oneMinute = Duration.Minutes(1);
        var alarms = new List<Alarm>
        {
            loadBalancer.LoadBalancer.Metrics.HttpCodeElb(HttpCodeElb.ELB_5XX_COUNT, new MetricOptions { Period = oneMinute, Statistic = "Sum" })
                .CreateAlarm(this, "Elb5xx", new CreateAlarmOptions
                {
                    AlarmDescription = $"{name}: the ALB answered 5xx more than {ElbFiveXxPerMinute} times a minute",
                    Threshold = ElbFiveXxPerMinute,
                    EvaluationPeriods = 3,
                    DatapointsToAlarm = 2,
                    ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                    TreatMissingData = TreatMissingData.NOT_BREACHING,
                }),
            loadBalancer.TargetGroup.Metrics.UnhealthyHostCount(new MetricOptions { Period = oneMinute, Statistic = "Maximum" })
                .CreateAlarm(this, "UnhealthyHosts", new CreateAlarmOptions
                {
                    AlarmDescription = $"{name}: at least one target failed its health check",
                    Threshold = 1,
                    EvaluationPeriods = 3,
                    DatapointsToAlarm = 2,
                    ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
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

        if (alarmTopicArn is not null)
        {
            var topic = Topic.FromTopicArn(this, "Topic", alarmTopicArn);
            foreach (var alarm in alarms)
                alarm.AddAlarmAction(new SnsAction(topic));
        }
    }
}
