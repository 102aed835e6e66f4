using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests.Stacks;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class ApiAlarmsTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void The_http_api_stage_has_5xx_latency_and_integration_latency_alarms_on_its_api_id_and_stage()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod })
        {
            var template = environment.SharedJson;
            var api = template.OfType("AWS::ApiGatewayV2::Api").Single().Id;
            var alarms = template.OfType("AWS::CloudWatch::Alarm").Select(a => a.Properties).ToList();

            alarms.Select(a => a.GetProperty("MetricName").GetString()).Should().BeEquivalentTo(["5xx", "Latency", "IntegrationLatency"]);
            foreach (var alarm in alarms)
            {
                var metric = alarm.GetProperty("MetricName").GetString();
                alarm.GetProperty("Namespace").GetString().Should().Be("AWS/ApiGateway", metric);
                alarm.GetProperty("Period").GetInt32().Should().Be(60, metric);
                alarm.GetProperty("ComparisonOperator").GetString().Should().Be("GreaterThanThreshold", metric);
                alarm.GetProperty("TreatMissingData").GetString().Should().Be("notBreaching", metric);
                alarm.GetProperty("AlarmName").GetString().Should().StartWith($"apigw-{environment.Environment}-api-", metric);
                // HTTP API metrics per stage: dimensions ApiId and Stage (the one $default stage).
                var dimensions = alarm.GetProperty("Dimensions").EnumerateArray().ToDictionary(d => d.GetProperty("Name").GetString()!, d => d.GetProperty("Value"));
                dimensions.Keys.Should().BeEquivalentTo(["ApiId", "Stage"], metric);
                TemplateJson.ReferencedId(dimensions["ApiId"]).Should().Be(api, metric);
                dimensions["Stage"].GetString().Should().Be("$default", metric);
            }

            var fiveXx = alarms.Single(a => a.GetProperty("MetricName").GetString() == "5xx");
            fiveXx.GetProperty("Statistic").GetString().Should().Be("Sum");
            fiveXx.GetProperty("Threshold").GetDouble().Should().Be(ApiAlarms.FiveXxPerMinute);
            foreach (var latency in alarms.Where(a => a.GetProperty("MetricName").GetString()!.EndsWith("Latency", StringComparison.Ordinal)))
            {
                latency.GetProperty("ExtendedStatistic").GetString().Should().Be("p95");
                latency.GetProperty("Threshold").GetDouble().Should().Be(2000, "the metrics are in milliseconds");
            }
        }
    }

    [ToolFact("node")]
    public void The_api_alarms_notify_the_environments_alarm_topic()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod })
        {
            var topic = environment.SharedJson.OfType("AWS::SNS::Topic").Single().Id;
            foreach (var (id, alarm) in environment.SharedJson.OfType("AWS::CloudWatch::Alarm"))
                alarm.GetProperty("AlarmActions").EnumerateArray().Select(a => TemplateJson.ReferencedId(a))
                    .Should().Equal([topic], $"{environment.Environment}/{id}");
        }
    }
}
