using System.Text.Json;
using Amazon.CDK.Assertions;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

/// <summary>
/// A service's declared strategy on its ECS service (ServiceDeploymentStrategy), and what a traffic-shifting strategy needs
/// around it (TrafficShifting, the alarms per target group); rolling services as they were.
/// </summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed class ServiceDeploymentStrategyTests(SynthesizedInfra infra)
{
    const string TargetGroupType = "AWS::ElasticLoadBalancingV2::TargetGroup";
    const string RuleType = "AWS::ElasticLoadBalancingV2::ListenerRule";

    [ToolFact("node")]
    public void Fastapi_deploys_as_a_canary_of_10_percent_for_3_minutes_with_5_minutes_of_bake()
    {
        // GIVEN services/fastapi/service.json: canary 10 % for 3 minutes, bake 5
        var fastapi = infra.Catalog["fastapi"];

        // WHEN the dev environment is synthesized
        var configuration = EcsService(infra.Dev, fastapi).GetProperty("DeploymentConfiguration");

        // THEN ECS gets exactly that, in CloudFormation's shapes
        configuration.GetProperty("Strategy").GetString().Should().Be("CANARY");
        configuration.GetProperty("BakeTimeInMinutes").GetInt32().Should().Be(5);
        configuration.GetProperty("CanaryConfiguration").GetProperty("CanaryPercent").GetDouble().Should().Be(10);
        configuration.GetProperty("CanaryConfiguration").GetProperty("CanaryBakeTimeInMinutes").GetInt32().Should().Be(3);
        configuration.TryGetProperty("LinearConfiguration", out _).Should().BeFalse();
        configuration.TryGetProperty("LifecycleHooks", out _).Should().BeFalse("no hook is declared");
    }

    [ToolFact("node")]
    public void Mcp_deploys_linearly_in_steps_of_25_percent_a_minute_apart_with_5_minutes_of_bake()
    {
        // GIVEN services/mcp/service.json: linear 25 % every minute, bake 5
        var configuration = EcsService(infra.Dev, infra.Catalog["mcp"]).GetProperty("DeploymentConfiguration");

        // THEN
        configuration.GetProperty("Strategy").GetString().Should().Be("LINEAR");
        configuration.GetProperty("BakeTimeInMinutes").GetInt32().Should().Be(5);
        configuration.GetProperty("LinearConfiguration").GetProperty("StepPercent").GetDouble().Should().Be(25);
        configuration.GetProperty("LinearConfiguration").GetProperty("StepBakeTimeInMinutes").GetInt32().Should().Be(1);
        configuration.TryGetProperty("CanaryConfiguration", out _).Should().BeFalse();
    }

    [ToolFact("node")]
    public void A_traffic_shifting_service_runs_under_the_ECS_controller_without_the_rolling_circuit_breaker()
    {
        foreach (var service in infra.Dev.Services)
            infra.Dev.ServiceStack(service).HasResourceProperties("AWS::ECS::Service", new Dictionary<string, object>
            {
                ["DeploymentController"] = new Dictionary<string, object> { ["Type"] = "ECS" },
                ["DeploymentConfiguration"] = Match.ObjectLike(new Dictionary<string, object>
                {
                    ["DeploymentCircuitBreaker"] = Match.Absent(),
                    ["Alarms"] = Match.ObjectLike(new Dictionary<string, object> { ["Enable"] = true, ["Rollback"] = true }),
                }),
            });
    }

    [ToolFact("node")]
    public void A_rolling_service_keeps_todays_template_and_only_says_ROLLING()
    {
        // GIVEN --strategy rolling for every service
        foreach (var service in infra.Rolling.Services)
        {
            var template = infra.Rolling.ServiceStack(service);
            var json = infra.Rolling.ServiceJson(service);

            // THEN no second target group, no listener rule, no traffic role, the listener forwards to the one target group
            template.ResourceCountIs(TargetGroupType, 1);
            template.ResourceCountIs(RuleType, 0);
            template.ResourceCountIs("AWS::IAM::Role", 2);
            template.ResourceCountIs("AWS::CloudWatch::Alarm", 5);
            var targetGroup = json.OfType(TargetGroupType).Single().Id;
            template.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", new Dictionary<string, object>
            {
                ["DefaultActions"] = new object[]
                {
                    new Dictionary<string, object> { ["Type"] = "forward", ["TargetGroupArn"] = new Dictionary<string, object> { ["Ref"] = targetGroup } },
                },
            });
            // ...and the ECS service's deployment settings are the ones it had, plus the strategy said out loud.
            var ecs = EcsService(infra.Rolling, service);
            ecs.GetProperty("DeploymentConfiguration").EnumerateObject().Select(p => p.Name).Should()
                .BeEquivalentTo(["Alarms", "DeploymentCircuitBreaker", "MaximumPercent", "MinimumHealthyPercent", "Strategy"]);
            ecs.GetProperty("DeploymentConfiguration").GetProperty("Strategy").GetString().Should().Be("ROLLING");
            ecs.GetProperty("LoadBalancers")[0].EnumerateObject().Select(p => p.Name).Should()
                .BeEquivalentTo(["ContainerName", "ContainerPort", "TargetGroupArn"]);
        }
    }

    [ToolFact("node")]
    public void A_traffic_shifting_service_has_an_alternate_target_group_with_the_same_health_check()
    {
        foreach (var service in infra.Dev.Services)
        {
            var targetGroups = infra.Dev.ServiceJson(service).OfType(TargetGroupType).ToList();
            targetGroups.Should().HaveCount(2, service.Name);
            // Everything but the logical id is the same: port, protocol, target type, health check, draining, VPC, tags.
            targetGroups[0].Properties.GetRawText().Should().Be(targetGroups[1].Properties.GetRawText());
            targetGroups[0].Properties.GetProperty("HealthCheckPath").GetString().Should().Be(service.HealthPath);
        }
    }

    [ToolFact("node")]
    public void The_production_rule_forwards_every_path_to_both_target_groups_100_to_0_and_the_test_rule_only_the_test_header()
    {
        foreach (var service in infra.Dev.Services)
        {
            var json = infra.Dev.ServiceJson(service);
            var (primary, alternate) = TargetGroups(infra.Dev, service);
            var listener = json.OfType("AWS::ElasticLoadBalancingV2::Listener").Single().Id;
            var weighted = new object[]
            {
                new Dictionary<string, object>
                {
                    ["Type"] = "forward",
                    ["ForwardConfig"] = new Dictionary<string, object>
                    {
                        ["TargetGroups"] = new object[]
                        {
                            new Dictionary<string, object> { ["TargetGroupArn"] = new Dictionary<string, object> { ["Ref"] = primary }, ["Weight"] = 100 },
                            new Dictionary<string, object> { ["TargetGroupArn"] = new Dictionary<string, object> { ["Ref"] = alternate }, ["Weight"] = 0 },
                        },
                    },
                },
            };
            var template = infra.Dev.ServiceStack(service);
            template.ResourceCountIs(RuleType, 2);
            template.HasResourceProperties(RuleType, new Dictionary<string, object>
            {
                ["ListenerArn"] = new Dictionary<string, object> { ["Ref"] = listener },
                ["Priority"] = TrafficShifting.ProductionRulePriority,
                ["Conditions"] = new object[] { new Dictionary<string, object> { ["Field"] = "path-pattern", ["PathPatternConfig"] = new Dictionary<string, object> { ["Values"] = new[] { "/*" } } } },
                ["Actions"] = weighted,
            });
            template.HasResourceProperties(RuleType, new Dictionary<string, object>
            {
                ["ListenerArn"] = new Dictionary<string, object> { ["Ref"] = listener },
                ["Priority"] = TrafficShifting.TestRulePriority,
                ["Conditions"] = new object[]
                {
                    new Dictionary<string, object>
                    {
                        ["Field"] = "http-header",
                        ["HttpHeaderConfig"] = new Dictionary<string, object>
                        {
                            ["HttpHeaderName"] = DeploymentNames.TestTrafficHeader, ["Values"] = new[] { DeploymentNames.TestTrafficHeaderValue },
                        },
                    },
                },
                ["Actions"] = weighted,
            });
            TrafficShifting.TestRulePriority.Should().BeLessThan(TrafficShifting.ProductionRulePriority, "the test rule must be evaluated before the catch-all");
            // The rules decide; the listener no longer forwards anything by itself.
            template.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", new Dictionary<string, object>
            {
                ["DefaultActions"] = new object[]
                {
                    new Dictionary<string, object>
                    {
                        ["Type"] = "fixed-response",
                        ["FixedResponseConfig"] = Match.ObjectLike(new Dictionary<string, object> { ["StatusCode"] = "404" }),
                    },
                },
            });
        }
    }

    [ToolFact("node")]
    public void The_http_api_integration_still_targets_the_listener()
    {
        foreach (var service in infra.Dev.Services)
        {
            var json = infra.Dev.ServiceJson(service);
            var listener = json.OfType("AWS::ElasticLoadBalancingV2::Listener").Single().Id;
            json.OfType("AWS::ApiGatewayV2::Integration").Should().NotBeEmpty()
                .And.OnlyContain(i => TemplateJson.ReferencedId(i.Properties.GetProperty("IntegrationUri")) == listener);
        }
    }

    [ToolFact("node")]
    public void The_ECS_service_names_the_alternate_target_group_both_rules_and_the_traffic_role()
    {
        foreach (var service in infra.Dev.Services)
        {
            var json = infra.Dev.ServiceJson(service);
            var (primary, alternate) = TargetGroups(infra.Dev, service);
            var loadBalancers = EcsService(infra.Dev, service).GetProperty("LoadBalancers");
            loadBalancers.GetArrayLength().Should().Be(1);
            TemplateJson.ReferencedId(loadBalancers[0].GetProperty("TargetGroupArn")).Should().Be(primary);
            var advanced = loadBalancers[0].GetProperty("AdvancedConfiguration");
            TemplateJson.ReferencedId(advanced.GetProperty("AlternateTargetGroupArn")).Should().Be(alternate);
            TemplateJson.ReferencedId(advanced.GetProperty("ProductionListenerRule")).Should().Be(Rule(json, TrafficShifting.ProductionRulePriority));
            TemplateJson.ReferencedId(advanced.GetProperty("TestListenerRule")).Should().Be(Rule(json, TrafficShifting.TestRulePriority));
            advanced.GetProperty("RoleArn").GetProperty("Fn::GetAtt")[1].GetString().Should().Be("Arn");
            TemplateJson.ReferencedId(advanced.GetProperty("RoleArn")).Should().Be(TrafficRole(json).Id);
        }
    }

    [ToolFact("node")]
    public void The_traffic_role_is_trusted_by_ECS_only_bounded_and_reaches_only_this_services_listener_rules_and_target_groups()
    {
        foreach (var service in infra.Dev.Services)
        {
            var json = infra.Dev.ServiceJson(service);
            var (id, role) = TrafficRole(json);
            role.GetProperty("RoleName").GetString().Should().Be(DeploymentNames.TrafficShiftRole("dev", service.Name));
            var trust = role.GetProperty("AssumeRolePolicyDocument").GetProperty("Statement");
            trust.GetArrayLength().Should().Be(1);
            trust[0].GetProperty("Principal").EnumerateObject().Select(p => (p.Name, p.Value.ToString())).Should().Equal(("Service", "ecs.amazonaws.com"));
            trust[0].GetProperty("Action").GetString().Should().Be("sts:AssumeRole");
            trust[0].TryGetProperty("Condition", out _).Should().BeFalse();
            role.TryGetProperty("ManagedPolicyArns", out _).Should().BeFalse("not the broad AmazonECSInfrastructureRolePolicyForLoadBalancers");
            infra.Dev.RuleViolations(infra.Dev.ServiceTemplatePath(service)).Should().BeEmpty("the boundary, no wildcard action, every rule");
            role.GetProperty("PermissionsBoundary").GetRawText().Should().Contain(":policy/" + DeploymentNames.PermissionsBoundary("dev"));

            var statements = role.GetProperty("Policies").EnumerateArray().Single().GetProperty("PolicyDocument").GetProperty("Statement")
                .EnumerateArray().ToDictionary(s => s.GetProperty("Sid").GetString()!);
            var (primary, alternate) = TargetGroups(infra.Dev, service);
            var listener = json.OfType("AWS::ElasticLoadBalancingV2::Listener").Single().Id;
            Actions(statements["ReadLoadBalancing"]).Should().BeEquivalentTo(TrafficShifting.DescribeActions);
            statements["ReadLoadBalancing"].GetProperty("Resource").GetString().Should().Be("*", "ELB authorizes Describe* on * only");
            Actions(statements["TasksInTheTwoTargetGroups"]).Should().BeEquivalentTo(TrafficShifting.TargetActions);
            Resources(statements["TasksInTheTwoTargetGroups"]).Should().BeEquivalentTo([primary, alternate]);
            Actions(statements["WeightsOfTheTwoRules"]).Should().Equal(TrafficShifting.RuleAction);
            Resources(statements["WeightsOfTheTwoRules"]).Should().BeEquivalentTo(
                [Rule(json, TrafficShifting.ProductionRulePriority), Rule(json, TrafficShifting.TestRulePriority)]);
            Actions(statements["TheRulesListener"]).Should().Equal(TrafficShifting.ListenerAction);
            Resources(statements["TheRulesListener"]).Should().Equal(listener);
            statements.Should().HaveCount(4, $"{service.Name}/{id}");
        }
    }

    [ToolFact("node")]
    public void Each_target_group_has_its_own_error_rate_latency_and_unhealthy_host_alarms_and_the_service_rolls_back_on_them()
    {
        foreach (var service in infra.Dev.Services)
        {
            var json = infra.Dev.ServiceJson(service);
            var (primary, alternate) = TargetGroups(infra.Dev, service);
            var listed = EcsService(infra.Dev, service).GetProperty("DeploymentConfiguration").GetProperty("Alarms").GetProperty("AlarmNames")
                .EnumerateArray().Select(n => n.GetString()).ToList();
            listed.Should().Equal(DeploymentNames.DeploymentAlarms("dev", service.Name, infra.Dev.Options.RolloutFor(service)));
            listed.Should().HaveCount(6);

            foreach (var (group, targetGroup) in new[] { (TrafficTargetGroup.Primary, primary), (TrafficTargetGroup.Alternate, alternate) })
            {
                // Error rate: metric math over the target group's own 5xx and requests.
                var errorRate = Alarm(json, DeploymentNames.TargetGroupErrorRateAlarm("dev", service.Name, group));
                errorRate.GetProperty("Threshold").GetDouble().Should().Be(RolloutThresholds.ErrorRatePercent);
                errorRate.GetProperty("ComparisonOperator").GetString().Should().Be("GreaterThanThreshold");
                var metrics = errorRate.GetProperty("Metrics").EnumerateArray().ToList();
                metrics.Single(m => m.TryGetProperty("Expression", out _)).GetProperty("Expression").GetString().Should().Be("100 * FILL(errors, 0) / requests");
                foreach (var (metricId, metricName) in new[] { ("errors", "HTTPCode_Target_5XX_Count"), ("requests", "RequestCount") })
                {
                    var metric = metrics.Single(m => m.GetProperty("Id").GetString() == metricId).GetProperty("MetricStat");
                    metric.GetProperty("Stat").GetString().Should().Be("Sum");
                    metric.GetProperty("Metric").GetProperty("MetricName").GetString().Should().Be(metricName);
                    DimensionsOn(metric.GetProperty("Metric"), targetGroup);
                }

                var latency = Alarm(json, DeploymentNames.TargetGroupLatencyAlarm("dev", service.Name, group));
                latency.GetProperty("MetricName").GetString().Should().Be("TargetResponseTime");
                latency.GetProperty("ExtendedStatistic").GetString().Should().Be("p95");
                latency.GetProperty("Threshold").GetDouble().Should().Be(RolloutThresholds.P95LatencySeconds);
                DimensionsOn(latency, targetGroup);

                var unhealthy = Alarm(json, DeploymentNames.TargetGroupUnhealthyHostsAlarm("dev", service.Name, group));
                unhealthy.GetProperty("MetricName").GetString().Should().Be("UnHealthyHostCount");
                unhealthy.GetProperty("ComparisonOperator").GetString().Should().Be("GreaterThanOrEqualToThreshold");
                DimensionsOn(unhealthy, targetGroup);
            }
            // The whole-target-group alarms of a rolling service are not there.
            json.OfType("AWS::CloudWatch::Alarm").Select(a => a.Properties.TryGetProperty("AlarmName", out var n) ? n.GetString() : null)
                .Should().NotContain([DeploymentNames.FiveXxAlarm("dev", service.Name), DeploymentNames.UnhealthyHostsAlarm("dev", service.Name)]);
            // Created before the service, so its first deployment is watched.
            var dependsOn = json.Resource(infra.Dev.EcsServiceOf(service)).GetProperty("DependsOn").EnumerateArray().Select(d => d.GetString()).ToList();
            foreach (var name in listed)
                dependsOn.Should().Contain(json.OfType("AWS::CloudWatch::Alarm")
                    .Single(a => a.Properties.TryGetProperty("AlarmName", out var n) && n.GetString() == name).Id);
        }
    }

    [ToolFact("node")]
    public void A_strategy_and_bake_time_in_the_context_change_that_service_and_leave_the_others_to_their_manifests()
    {
        // GIVEN -c strategy=fastapi=blue-green -c bakeTime=fastapi=12
        infra.Overridden.Options.RolloutFor(infra.Catalog["fastapi"]).Kind.Should().Be(RolloutKind.BlueGreen);

        // THEN fastapi deploys blue/green with 12 minutes of bake, and no canary settings
        var fastapi = EcsService(infra.Overridden, infra.Catalog["fastapi"]).GetProperty("DeploymentConfiguration");
        fastapi.GetProperty("Strategy").GetString().Should().Be("BLUE_GREEN");
        fastapi.GetProperty("BakeTimeInMinutes").GetInt32().Should().Be(12);
        fastapi.TryGetProperty("CanaryConfiguration", out _).Should().BeFalse();
        fastapi.TryGetProperty("LinearConfiguration", out _).Should().BeFalse();
        // ...and mcp as its manifest says
        EcsService(infra.Overridden, infra.Catalog["mcp"]).GetProperty("DeploymentConfiguration").GetRawText()
            .Should().Be(EcsService(infra.Dev, infra.Catalog["mcp"]).GetProperty("DeploymentConfiguration").GetRawText());
    }

    [ToolFact("node")]
    public void The_listener_rules_do_not_change_with_the_strategys_timings_so_a_stack_update_never_resends_their_weights()
    {
        // CloudFormation resends a rule's weights (and undoes ECS's) only when the rule's properties change.
        var fastapi = infra.Catalog["fastapi"];
        string Rules(SynthesizedEnvironment environment) =>
            string.Join("\n", environment.ServiceJson(fastapi).OfType(RuleType).OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => r.Id + r.Properties.GetRawText()));

        Rules(infra.Overridden).Should().Be(Rules(infra.Dev), "blue/green with another bake time writes the same rules as the canary");
        Rules(infra.DevAgain).Should().Be(Rules(infra.Dev));
        TemplateJson.RefsIn(infra.Dev.ServiceJson(fastapi).Root.GetProperty("Resources").GetProperty(Rule(infra.Dev.ServiceJson(fastapi), TrafficShifting.ProductionRulePriority)))
            .Should().NotContain([DeploymentNames.ImageTagParameter(fastapi.Name), DeploymentNames.DesiredCountParameter(fastapi.Name)]);
    }

    [ToolFact("node")]
    public void The_rolling_and_overridden_stacks_pass_every_security_rule()
    {
        foreach (var environment in new[] { infra.Rolling, infra.Overridden })
            foreach (var path in environment.TemplatePaths)
                environment.RuleViolations(path).Should().BeEmpty(path);
    }

    static JsonElement EcsService(SynthesizedEnvironment environment, ServiceManifest service) =>
        environment.ServiceJson(service).OfType("AWS::ECS::Service").Single().Properties;

    /// <summary>The target group the ECS service is created with, and the other one.</summary>
    static (string Primary, string Alternate) TargetGroups(SynthesizedEnvironment environment, ServiceManifest service)
    {
        var primary = TemplateJson.ReferencedId(EcsService(environment, service).GetProperty("LoadBalancers")[0].GetProperty("TargetGroupArn"))!;
        var alternate = environment.ServiceJson(service).OfType(TargetGroupType).Select(t => t.Id).Single(id => id != primary);
        return (primary, alternate);
    }

    static string Rule(TemplateJson json, int priority) =>
        json.OfType(RuleType).Single(r => r.Properties.GetProperty("Priority").GetInt32() == priority).Id;

    static (string Id, JsonElement Properties) TrafficRole(TemplateJson json) =>
        json.OfType("AWS::IAM::Role").Single(r => r.Properties.TryGetProperty("RoleName", out var n) && n.GetString()!.EndsWith(DeploymentNames.TrafficShiftRoleSuffix, StringComparison.Ordinal));

    static JsonElement Alarm(TemplateJson json, string name) =>
        json.OfType("AWS::CloudWatch::Alarm").Single(a => a.Properties.TryGetProperty("AlarmName", out var n) && n.GetString() == name).Properties;

    /// <summary>The metric is the target group's own, on the service's load balancer (CDK derives its name from the listener's ARN).</summary>
    static void DimensionsOn(JsonElement metric, string targetGroup)
    {
        var dimensions = metric.GetProperty("Dimensions").EnumerateArray().ToDictionary(d => d.GetProperty("Name").GetString()!, d => d.GetProperty("Value"));
        dimensions.Keys.Should().BeEquivalentTo(["TargetGroup", "LoadBalancer"]);
        TemplateJson.GetAttTargetsIn(dimensions["TargetGroup"]).Should().Equal(targetGroup);
        TemplateJson.RefsIn(dimensions["LoadBalancer"]).Should().NotBeEmpty();
    }

    static IEnumerable<string> Actions(JsonElement statement) => Strings(statement.GetProperty("Action"));

    static IEnumerable<string> Resources(JsonElement statement) =>
        statement.GetProperty("Resource").ValueKind == JsonValueKind.Array
            ? statement.GetProperty("Resource").EnumerateArray().Select(r => TemplateJson.ReferencedId(r)!)
            : [TemplateJson.ReferencedId(statement.GetProperty("Resource"))!];

    static IEnumerable<string> Strings(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Select(v => v.GetString()!) : [value.GetString()!];
}
