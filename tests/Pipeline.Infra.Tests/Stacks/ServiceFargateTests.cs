using System.Text.Json;
using Amazon.CDK.Assertions;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class ServiceFargateTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void Task_definition_has_the_manifest_cpu_and_memory()
    {
        foreach (var service in infra.Dev.Services)
            infra.Dev.App.HasResourceProperties("AWS::ECS::TaskDefinition", new Dictionary<string, object>
            {
                ["Cpu"] = service.Cpu.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Memory"] = service.Memory.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["RequiresCompatibilities"] = new[] { "FARGATE" },
                ["ContainerDefinitions"] = Match.ArrayWith([Match.ObjectLike(new Dictionary<string, object> { ["Name"] = service.Name })]),
            });
    }

    [ToolFact("node")]
    public void Service_autoscales_on_cpu_between_min_and_max_tasks()
    {
        foreach (var service in infra.Dev.Services)
        {
            var ecsService = infra.Dev.EcsServiceOf(service);
            var target = infra.Dev.AppJson.OfType("AWS::ApplicationAutoScaling::ScalableTarget")
                .Single(t => t.Properties.GetProperty("ResourceId").GetRawText().Contains(ecsService, StringComparison.Ordinal));
            target.Properties.GetProperty("MinCapacity").GetInt32().Should().Be(service.MinTasks);
            target.Properties.GetProperty("MaxCapacity").GetInt32().Should().Be(service.MaxTasks);
            target.Properties.GetProperty("ScalableDimension").GetString().Should().Be("ecs:service:DesiredCount");

            infra.Dev.App.HasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", new Dictionary<string, object>
            {
                ["PolicyType"] = "TargetTrackingScaling",
                ["ScalingTargetId"] = new Dictionary<string, object> { ["Ref"] = target.Id },
                ["TargetTrackingScalingPolicyConfiguration"] = Match.ObjectLike(new Dictionary<string, object>
                {
                    ["PredefinedMetricSpecification"] = new Dictionary<string, object> { ["PredefinedMetricType"] = "ECSServiceAverageCPUUtilization" },
                    ["TargetValue"] = ServiceFargate.CpuTargetPercent,
                }),
            });
        }
    }

    [ToolFact("node")]
    public void Deployment_rolls_back_on_circuit_breaker_and_never_drops_below_full_capacity() =>
        infra.Dev.App.AllResourcesProperties("AWS::ECS::Service", new Dictionary<string, object>
        {
            ["LaunchType"] = "FARGATE",
            ["DeploymentConfiguration"] = new Dictionary<string, object>
            {
                ["DeploymentCircuitBreaker"] = new Dictionary<string, object> { ["Enable"] = true, ["Rollback"] = true },
                ["MinimumHealthyPercent"] = 100,
                ["MaximumPercent"] = 200,
            },
        });

    [ToolFact("node")]
    public void Tasks_run_in_private_subnets_without_public_ips() =>
        infra.Dev.App.AllResourcesProperties("AWS::ECS::Service", new Dictionary<string, object>
        {
            ["NetworkConfiguration"] = new Dictionary<string, object>
            {
                ["AwsvpcConfiguration"] = Match.ObjectLike(new Dictionary<string, object> { ["AssignPublicIp"] = "DISABLED" }),
            },
        });

    [ToolFact("node")]
    public void Container_runs_the_health_check_executable_the_image_ships()
    {
        foreach (var service in infra.Dev.Services)
        {
            var check = infra.Dev.ContainerOf(service).GetProperty("HealthCheck");
            check.GetProperty("Command").EnumerateArray().Select(c => c.GetString())
                .Should().Equal("CMD", "/usr/local/bin/healthcheck");
            check.GetProperty("Interval").GetInt32().Should().BeLessThanOrEqualTo(10);
        }
    }

    [ToolFact("node")]
    public void Container_runs_as_a_non_root_user()
    {
        foreach (var service in infra.Dev.Services)
        {
            var user = infra.Dev.ContainerOf(service).GetProperty("User").GetString()!;
            new[] { "root", "0", "" }.Should().NotContain(user.Split(':')[0]);
        }
    }

    [ToolFact("node")]
    public void Root_filesystem_is_read_only_where_the_manifest_allows_it_with_a_writable_tmp()
    {
        foreach (var environment in new[] { infra.Dev, infra.ThreeServices })
            foreach (var service in environment.Services)
            {
                var container = environment.ContainerOf(service);
                container.TryGetProperty("ReadonlyRootFilesystem", out var readOnly);
                (readOnly.ValueKind == JsonValueKind.True).Should().Be(service.ReadOnlyRootFilesystem, service.Name);
                if (service.ReadOnlyRootFilesystem)
                    container.GetProperty("MountPoints").EnumerateArray()
                        .Select(m => m.GetProperty("ContainerPath").GetString()).Should().Contain("/tmp");
            }
    }

    [ToolFact("node")]
    public void Container_gets_the_platform_variables_and_the_manifest_environment()
    {
        foreach (var service in infra.Dev.Services)
        {
            var environment = Environment(infra.Dev.ContainerOf(service));
            environment.Should().Contain("ROOT_PATH", service.RoutePrefix);
            environment.Should().Contain("PORT", service.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            environment.Should().Contain("BIND_ADDRESS", "0.0.0.0");
            environment.Should().Contain("HEALTH_PATH", service.HealthPath);
            foreach (var (name, value) in service.Environment)
                environment.Should().Contain(name, value);
        }
    }

    [ToolFact("node")]
    public void Caller_gets_the_internal_alb_url_of_each_service_it_uses()
    {
        var callers = infra.Dev.Services.Where(s => s.Uses.Count > 0).ToList();
        callers.Should().NotBeEmpty("the manifests declare at least one 'uses' relation");
        foreach (var caller in callers)
        {
            var raw = infra.Dev.ContainerOf(caller).GetProperty("Environment").EnumerateArray();
            foreach (var used in caller.Uses.Select(u => infra.Catalog[u]))
            {
                var variable = raw.Single(v => v.GetProperty("Name").GetString() == used.UrlVariableName).GetProperty("Value");
                var text = variable.GetRawText();
                text.Should().Contain("http://").And.Contain(":" + used.Port);
                text.Should().Contain(infra.Dev.LoadBalancerOf(used)).And.Contain("DNSName");
            }
        }
    }

    [ToolFact("node")]
    public void Container_image_is_the_immutable_tag_the_pipeline_passed()
    {
        foreach (var service in infra.Dev.Services)
        {
            var parameter = DeploymentNames.ImageTagParameter(service.Name);
            var image = infra.Dev.ContainerOf(service).GetProperty("Image");
            image.GetRawText().Should().Contain($"apigw-dev/{service.Name}:");
            TemplateJson.RefsIn(image).Should().Contain(parameter);
            infra.Dev.AppJson.Root.GetProperty("Parameters").GetProperty(parameter).GetProperty("Default").GetString()
                .Should().Be(infra.ImageTags[service.Name]);
        }
    }

    [ToolFact("node")]
    public void Service_without_an_image_tag_synthesizes_with_the_unset_tag() =>
        infra.ThreeServices.AppJson.Root.GetProperty("Parameters")
            .GetProperty(DeploymentNames.ImageTagParameter(SynthesizedInfra.ThirdService))
            .GetProperty("Default").GetString().Should().Be(InfraOptions.UnsetImageTag);

    [ToolFact("node")]
    public void Each_service_logs_to_its_own_group_kept_seven_days()
    {
        foreach (var service in infra.Dev.Services)
        {
            var log = infra.Dev.ContainerOf(service).GetProperty("LogConfiguration");
            log.GetProperty("LogDriver").GetString().Should().Be("awslogs");
            var group = TemplateJson.ReferencedId(log.GetProperty("Options").GetProperty("awslogs-group"))!;
            infra.Dev.AppJson.Resource(group).GetProperty("Properties").GetProperty("RetentionInDays").GetInt32().Should().Be(7);
        }
        infra.Dev.App.AllResourcesProperties("AWS::Logs::LogGroup", new Dictionary<string, object> { ["RetentionInDays"] = 7 });
    }

    [ToolFact("node")]
    public void Cluster_has_container_insights_on() =>
        infra.Dev.App.HasResourceProperties("AWS::ECS::Cluster", new Dictionary<string, object>
        {
            ["ClusterSettings"] = new[] { new Dictionary<string, object> { ["Name"] = "containerInsights", ["Value"] = "enabled" } },
        });

    static Dictionary<string, string> Environment(JsonElement container) =>
        container.GetProperty("Environment").EnumerateArray()
            .Where(v => v.GetProperty("Value").ValueKind == JsonValueKind.String)
            .ToDictionary(v => v.GetProperty("Name").GetString()!, v => v.GetProperty("Value").GetString()!);
}
