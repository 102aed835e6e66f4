using System.Text.Json;
using Amazon.CDK.Assertions;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class ServiceAlarmsTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void Each_rolling_service_has_alarms_on_target_5xx_alb_5xx_unhealthy_hosts_latency_and_cpu()
    {
        foreach (var service in infra.Rolling.Services)
        {
            var template = infra.Rolling.ServiceJson(service);
            var alarms = template.OfType("AWS::CloudWatch::Alarm").Select(a => a.Properties).ToList();
            var loadBalancer = infra.Rolling.LoadBalancerOf(service);
            var ecsService = infra.Rolling.EcsServiceOf(service);
            var targetGroup = template.OfType("AWS::ElasticLoadBalancingV2::TargetGroup")
                .Single(t => t.Properties.GetProperty("Port").GetInt32() == service.Port).Id;
            var mine = alarms.Where(a => a.GetProperty("Dimensions").GetRawText() is var d &&
                                         new[] { loadBalancer, ecsService, targetGroup }.Any(id => d.Contains(id, StringComparison.Ordinal)))
                .Select(a => a.GetProperty("MetricName").GetString())
                .ToList();
            mine.Should().BeEquivalentTo(
                ["HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "UnHealthyHostCount", "TargetResponseTime", "CPUUtilization"], service.Name);
            alarms.Should().HaveCount(mine.Count, "a service stack holds only its own alarms");
        }
        // The shared stack's alarms are the API stage's own (ApiAlarmsTests), none of a service.
        infra.Dev.SharedJson.OfType("AWS::CloudWatch::Alarm").Select(a => a.Properties.GetProperty("Namespace").GetString())
            .Should().OnlyContain(n => n == ApiAlarms.Namespace);
    }

    [ToolFact("node")]
    public void A_rolling_services_5xx_alarm_is_named_for_the_service_and_counts_what_its_targets_answer()
    {
        foreach (var environment in new[] { infra.Rolling })
            foreach (var service in environment.Services)
            {
                var alarm = AlarmNamed(environment, service, DeploymentNames.FiveXxAlarm(environment.Environment, service.Name));
                alarm.GetProperty("AlarmName").GetString().Should().Be($"apigw-{environment.Environment}-{service.Name}-5xx");
                alarm.GetProperty("Namespace").GetString().Should().Be("AWS/ApplicationELB");
                // The targets' 5xx: a release whose health endpoint answers but whose routes fail trips it (the ALB's own
                // 5xx would not count those).
                alarm.GetProperty("MetricName").GetString().Should().Be("HTTPCode_Target_5XX_Count");
                alarm.GetProperty("Statistic").GetString().Should().Be("Sum");
                alarm.GetProperty("Period").GetInt32().Should().Be(60);
                alarm.GetProperty("Threshold").GetDouble().Should().Be(ServiceAlarms.FiveXxPerMinute);
                alarm.GetProperty("ComparisonOperator").GetString().Should().Be("GreaterThanThreshold");
                alarm.GetProperty("EvaluationPeriods").GetInt32().Should().Be(3);
                alarm.GetProperty("DatapointsToAlarm").GetInt32().Should().Be(2);
                alarm.GetProperty("TreatMissingData").GetString().Should().Be("notBreaching");
                Dimensions(alarm).Should().BeEquivalentTo(["TargetGroup", "LoadBalancer"]);
                // This service's target group, on this service's ALB (CDK derives the ALB's name from its listener's ARN).
                TemplateJson.GetAttTargetsIn(Dimension(alarm, "TargetGroup")).Should().Equal(TargetGroupOf(environment, service));
                var listener = TemplateJson.RefsIn(Dimension(alarm, "LoadBalancer")).Distinct().Should().ContainSingle().Subject;
                TemplateJson.ReferencedId(environment.ServiceJson(service).Resource(listener).GetProperty("Properties").GetProperty("LoadBalancerArn"))
                    .Should().Be(environment.LoadBalancerOf(service));
            }
    }

    [ToolFact("node")]
    public void A_rolling_services_unhealthy_host_alarm_is_named_for_the_service_and_watches_its_target_group()
    {
        foreach (var environment in new[] { infra.Rolling })
            foreach (var service in environment.Services)
            {
                var alarm = AlarmNamed(environment, service, DeploymentNames.UnhealthyHostsAlarm(environment.Environment, service.Name));
                alarm.GetProperty("AlarmName").GetString().Should().Be($"apigw-{environment.Environment}-{service.Name}-unhealthy-hosts");
                alarm.GetProperty("MetricName").GetString().Should().Be("UnHealthyHostCount");
                alarm.GetProperty("Statistic").GetString().Should().Be("Maximum");
                alarm.GetProperty("Threshold").GetDouble().Should().Be(1);
                alarm.GetProperty("ComparisonOperator").GetString().Should().Be("GreaterThanOrEqualToThreshold");
                alarm.GetProperty("EvaluationPeriods").GetInt32().Should().Be(3);
                alarm.GetProperty("DatapointsToAlarm").GetInt32().Should().Be(2);
                TemplateJson.GetAttTargetsIn(alarm.GetProperty("Dimensions")).Should().Contain(TargetGroupOf(environment, service));
            }
    }

    [ToolFact("node")]
    public void Alb_5xx_alarm_keeps_its_threshold_and_notifies_without_rolling_back()
    {
        foreach (var service in infra.Dev.Services)
        {
            infra.Dev.ServiceStack(service).HasResourceProperties("AWS::CloudWatch::Alarm", new Dictionary<string, object>
            {
                ["MetricName"] = "HTTPCode_ELB_5XX_Count",
                ["Threshold"] = ServiceAlarms.FiveXxPerMinute,
                ["ComparisonOperator"] = "GreaterThanThreshold",
                ["AlarmName"] = Match.Absent(),
            });
        }
    }

    [ToolFact("node")]
    public void Deployment_alarm_names_are_unique_across_every_stack_and_environment()
    {
        var environments = new[] { infra.Dev, infra.Prod };
        var names = environments
            .SelectMany(e => e.Services.SelectMany(s => e.ServiceJson(s).OfType("AWS::CloudWatch::Alarm")))
            .Where(a => a.Properties.TryGetProperty("AlarmName", out _))
            .Select(a => a.Properties.GetProperty("AlarmName").GetString())
            .ToList();
        // Canary and linear services: three alarms on each of their two target groups.
        names.Should().HaveCount(environments.Length * 6 * infra.Catalog.Services.Count).And.OnlyHaveUniqueItems("alarm names are unique per account and region");
        names.Should().BeEquivalentTo(environments.SelectMany(e => e.Services.SelectMany(s => DeploymentNames.DeploymentAlarms(e.Environment, s.Name, e.Options.RolloutFor(s)))));
        DeploymentNames.DeploymentAlarms("dev", "fastapi", RolloutStrategy.Default with { Strategy = "rolling" })
            .Should().Equal(DeploymentNames.FiveXxAlarm("dev", "fastapi"), DeploymentNames.UnhealthyHostsAlarm("dev", "fastapi"));
    }

    [ToolFact("node")]
    public void Every_alarm_notifies_the_environments_topic_read_from_ssm()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod, infra.Rolling })
            foreach (var service in environment.Services)
            {
                var template = environment.ServiceJson(service);
                var alarms = template.OfType("AWS::CloudWatch::Alarm").ToList();
                // The deployment alarms, then the ALB's 5xx, its latency and the CPU (notify only).
                alarms.Should().HaveCount(DeploymentNames.DeploymentAlarms(environment.Environment, service.Name, environment.Options.RolloutFor(service)).Count + 3, service.Name);
                foreach (var (id, alarm) in alarms)
                    alarm.GetProperty("AlarmActions").EnumerateArray().Select(template.ParameterPathOf)
                        .Should().Equal([DeploymentNames.SharedParameter(environment.Environment, SharedValue.AlarmTopicArn)], $"{service.Name}/{id}");
            }
    }

    static JsonElement AlarmNamed(SynthesizedEnvironment environment, ServiceManifest service, string name)
    {
        var matching = environment.ServiceJson(service).OfType("AWS::CloudWatch::Alarm")
            .Where(a => a.Properties.TryGetProperty("AlarmName", out var n) && n.GetString() == name)
            .ToList();
        matching.Should().ContainSingle($"{environment.Environment}/{service.Name} holds alarm {name}");
        return matching[0].Properties;
    }

    static string TargetGroupOf(SynthesizedEnvironment environment, ServiceManifest service) =>
        environment.ServiceJson(service).OfType("AWS::ElasticLoadBalancingV2::TargetGroup")
            .Single(t => t.Properties.GetProperty("Port").GetInt32() == service.Port).Id;

    static JsonElement Dimension(JsonElement alarm, string name) =>
        alarm.GetProperty("Dimensions").EnumerateArray().Single(d => d.GetProperty("Name").GetString() == name).GetProperty("Value");

    static IEnumerable<string> Dimensions(JsonElement alarm) =>
        alarm.GetProperty("Dimensions").EnumerateArray().Select(d => d.GetProperty("Name").GetString()!);
}
