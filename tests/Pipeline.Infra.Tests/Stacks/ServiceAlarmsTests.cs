using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests.Stacks;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class ServiceAlarmsTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void Each_service_has_alarms_on_alb_5xx_unhealthy_hosts_latency_and_cpu()
    {
        var alarms = infra.Dev.AppJson.OfType("AWS::CloudWatch::Alarm").Select(a => a.Properties).ToList();
        foreach (var service in infra.Dev.Services)
        {
            var loadBalancer = infra.Dev.LoadBalancerOf(service);
            var ecsService = infra.Dev.EcsServiceOf(service);
            var targetGroup = infra.Dev.AppJson.OfType("AWS::ElasticLoadBalancingV2::TargetGroup")
                .Single(t => t.Properties.GetProperty("Port").GetInt32() == service.Port).Id;
            var mine = alarms.Where(a => a.GetProperty("Dimensions").GetRawText() is var d &&
                                         new[] { loadBalancer, ecsService, targetGroup }.Any(id => d.Contains(id, StringComparison.Ordinal)))
                .Select(a => a.GetProperty("MetricName").GetString())
                .ToList();
            mine.Should().BeEquivalentTo(["HTTPCode_ELB_5XX_Count", "UnHealthyHostCount", "TargetResponseTime", "CPUUtilization"], service.Name);
        }
    }

    [ToolFact("node")]
    public void Alarms_notify_nobody_until_a_topic_is_given()
    {
        foreach (var (_, alarm) in infra.Dev.AppJson.OfType("AWS::CloudWatch::Alarm"))
            alarm.TryGetProperty("AlarmActions", out _).Should().BeFalse();
        foreach (var (_, alarm) in infra.Prod.AppJson.OfType("AWS::CloudWatch::Alarm"))
            alarm.GetProperty("AlarmActions").EnumerateArray().Select(a => a.GetString()).Should().Equal(SynthesizedInfra.AlarmTopicArn);
    }
}
