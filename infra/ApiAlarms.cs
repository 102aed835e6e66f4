using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.SNS;
using Constructs;

namespace Pipeline.Infra;

/// <summary>
/// What callers of the HTTP API see, in the shared stack beside the API: the stage's 5xx, its latency and its integration
/// latency (namespace <c>AWS/ApiGateway</c>, metrics <c>5xx</c>, <c>Latency</c>, <c>IntegrationLatency</c>, dimensions
/// <c>ApiId</c> and <c>Stage</c>, as API Gateway publishes them for HTTP APIs). Each notifies the environment's alarm topic;
/// none rolls anything back (a service's own deployment alarms do, <see cref="ServiceAlarms"/>).
/// </summary>
/// <remarks>
/// These count what no service alarm sees: a 5xx API Gateway answers itself (an integration timeout, a VPC Link that cannot
/// reach an ALB) never reaches a target group. Latency above the integration latency is time spent in API Gateway (the JWT
/// authorizer fetching its keys, say); both above the threshold point at the services.
/// </remarks>
public sealed class ApiAlarms : Construct
{
    public const string Namespace = "AWS/ApiGateway";
    public const string FiveXxMetric = "5xx";
    public const string LatencyMetric = "Latency";
    public const string IntegrationLatencyMetric = "IntegrationLatency";

    /// <summary>Threshold of the 5xx alarm, as the services' own 5xx alarms.</summary>
    public const int FiveXxPerMinute = ServiceAlarms.FiveXxPerMinute;

    /// <summary>p95 threshold of both latency alarms (the metrics are in milliseconds), as the services' ALB latency alarm.</summary>
    public const double LatencyMilliseconds = ServiceAlarms.LatencySeconds * 1000;

    public ApiAlarms(Construct scope, string id, string environment, HttpGateway gateway, ITopic topic) : base(scope, id)
    {
        var oneMinute = Duration.Minutes(1);
        var dimensions = new Dictionary<string, string> { ["ApiId"] = gateway.Api.ApiId, ["Stage"] = HttpGateway.StageName };
        Metric StageMetric(string name, string statistic) => new(new MetricProps
        {
            Namespace = Namespace,
            MetricName = name,
            DimensionsMap = dimensions,
            Period = oneMinute,
            Statistic = statistic,
        });

        // A p95 latency of the stage above LatencyMilliseconds in 3 of 5 minutes.
        Alarm LatencyAlarm(string metric, string alarmId, string suffix, string what) =>
            StageMetric(metric, "p95").CreateAlarm(this, alarmId, new CreateAlarmOptions
            {
                AlarmName = $"apigw-{environment}-{suffix}",
                AlarmDescription = $"apigw-{environment} HTTP API: {what} above {LatencyMilliseconds} ms",
                Threshold = LatencyMilliseconds,
                EvaluationPeriods = 5,
                DatapointsToAlarm = 3,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            });

        FiveXx = StageMetric(FiveXxMetric, "Sum").CreateAlarm(this, "FiveXx", new CreateAlarmOptions
        {
            AlarmName = $"apigw-{environment}-api-5xx",
            AlarmDescription = $"apigw-{environment} HTTP API: more than {FiveXxPerMinute} 5xx answers a minute, API Gateway's own (integration timeout, VPC Link) and the services'",
            Threshold = FiveXxPerMinute,
            EvaluationPeriods = 3,
            DatapointsToAlarm = 2,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        Latency = LatencyAlarm(LatencyMetric, "Latency", "api-latency", "p95 latency (request in to response out)");
        IntegrationLatency = LatencyAlarm(IntegrationLatencyMetric, "IntegrationLatency", "api-integration-latency",
            "p95 integration latency (the services behind the VPC Link)");

        foreach (var alarm in All)
            alarm.AddAlarmAction(new SnsAction(topic));
    }

    public Alarm FiveXx { get; }

    public Alarm Latency { get; }

    public Alarm IntegrationLatency { get; }

    public IReadOnlyList<Alarm> All => [FiveXx, Latency, IntegrationLatency];
}
