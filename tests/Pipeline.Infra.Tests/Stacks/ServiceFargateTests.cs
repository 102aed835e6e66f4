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
            infra.Dev.ServiceStack(service).HasResourceProperties("AWS::ECS::TaskDefinition", new Dictionary<string, object>
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
            var target = infra.Dev.ServiceJson(service).OfType("AWS::ApplicationAutoScaling::ScalableTarget")
                .Single(t => t.Properties.GetProperty("ResourceId").GetRawText().Contains(ecsService, StringComparison.Ordinal));
            target.Properties.GetProperty("MinCapacity").GetInt32().Should().Be(service.MinTasks);
            target.Properties.GetProperty("MaxCapacity").GetInt32().Should().Be(service.MaxTasks);
            target.Properties.GetProperty("ScalableDimension").GetString().Should().Be("ecs:service:DesiredCount");

            infra.Dev.ServiceStack(service).HasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", new Dictionary<string, object>
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
    public void A_rolling_deployment_rolls_back_on_circuit_breaker_and_never_drops_below_full_capacity()
    {
        foreach (var service in infra.Rolling.Services)
        {
            infra.Rolling.ServiceStack(service).ResourceCountIs("AWS::ECS::Service", 1);
            infra.Rolling.ServiceStack(service).AllResourcesProperties("AWS::ECS::Service", new Dictionary<string, object>
            {
                ["LaunchType"] = "FARGATE",
                ["DeploymentController"] = new Dictionary<string, object> { ["Type"] = "ECS" },
                ["DeploymentConfiguration"] = new Dictionary<string, object>
                {
                    ["DeploymentCircuitBreaker"] = new Dictionary<string, object> { ["Enable"] = true, ["Rollback"] = true },
                    ["Alarms"] = Match.ObjectLike(new Dictionary<string, object> { ["Enable"] = true, ["Rollback"] = true }),
                    ["MinimumHealthyPercent"] = 100,
                    ["MaximumPercent"] = 200,
                    ["Strategy"] = "ROLLING",
                },
            });
        }
    }

    [ToolFact("node")]
    public void No_ecs_service_pins_a_literal_desired_count_it_is_the_desired_count_parameter()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod, infra.ThreeServices })
            foreach (var service in environment.Services)
            {
                var template = environment.ServiceJson(service);
                var services = template.OfType("AWS::ECS::Service").ToList();
                services.Should().ContainSingle($"{environment.Environment}/{service.Name}");
                var desiredCount = services[0].Properties.GetProperty("DesiredCount");
                desiredCount.ValueKind.Should().Be(JsonValueKind.Object,
                    $"{environment.Environment}/{service.Name}: a literal count would reset autoscaling's choice at every deploy");
                desiredCount.EnumerateObject().Select(p => p.Name).Should().Equal("Ref");
                desiredCount.GetProperty("Ref").GetString().Should().Be(DeploymentNames.DesiredCountParameter(service.Name));
            }
    }

    [ToolFact("node")]
    public void Desired_count_parameter_is_a_number_defaulting_to_min_tasks_that_may_be_zero()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod, infra.ThreeServices })
            foreach (var service in environment.Services)
            {
                var name = DeploymentNames.DesiredCountParameter(service.Name);
                name.Should().Be("DesiredCount" + DeploymentNames.Pascal(service.Name));
                environment.ServiceStack(service).HasParameter(name, new Dictionary<string, object>
                {
                    ["Type"] = "Number",
                    ["Default"] = service.MinTasks,
                    ["MinValue"] = 0,
                    ["Description"] = Match.StringLikeRegexp("current desired count.*keeps the capacity autoscaling chose"),
                });
                // Only the service's own stack declares it.
                (environment.SharedJson.Root.TryGetProperty("Parameters", out var shared) && shared.TryGetProperty(name, out _)).Should().BeFalse();
                foreach (var other in environment.Services.Where(o => o.Name != service.Name))
                    environment.ServiceJson(other).Root.GetProperty("Parameters").TryGetProperty(name, out _).Should().BeFalse();
            }
        infra.ThreeServices.Catalog[SynthesizedInfra.ThirdService].MinTasks.Should().NotBe(infra.Catalog.Services[0].MinTasks,
            "the default follows each manifest, not one number for all");
    }

    [ToolFact("node")]
    public void A_rolling_deployment_rolls_back_when_the_5xx_or_the_unhealthy_host_alarm_goes_off()
    {
        foreach (var environment in new[] { infra.Rolling })
            foreach (var service in environment.Services)
            {
                var expected = new[]
                {
                    DeploymentNames.FiveXxAlarm(environment.Environment, service.Name),
                    DeploymentNames.UnhealthyHostsAlarm(environment.Environment, service.Name),
                };
                environment.ServiceStack(service).AllResourcesProperties("AWS::ECS::Service", new Dictionary<string, object>
                {
                    ["DeploymentConfiguration"] = Match.ObjectLike(new Dictionary<string, object>
                    {
                        ["Alarms"] = new Dictionary<string, object> { ["AlarmNames"] = expected, ["Enable"] = true, ["Rollback"] = true },
                        ["DeploymentCircuitBreaker"] = new Dictionary<string, object> { ["Enable"] = true, ["Rollback"] = true },
                    }),
                });
            }
    }

    [ToolFact("node")]
    public void Deployment_alarms_exist_in_the_service_stack_under_the_names_the_service_lists()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod })
            foreach (var service in environment.Services)
            {
                var template = environment.ServiceJson(service);
                var (ecsId, ecs) = template.OfType("AWS::ECS::Service").Single();
                var listed = ecs.GetProperty("DeploymentConfiguration").GetProperty("Alarms").GetProperty("AlarmNames");
                // Plain names, no Ref or GetAtt: the service needs nothing from the alarms, so the CPU alarm (which reads the
                // service's name) does not make a cycle.
                TemplateJson.RefsIn(listed).Should().BeEmpty();
                TemplateJson.GetAttTargetsIn(listed).Should().BeEmpty();
                var alarmsByName = template.OfType("AWS::CloudWatch::Alarm")
                    .Where(a => a.Properties.TryGetProperty("AlarmName", out _))
                    .ToDictionary(a => a.Properties.GetProperty("AlarmName").GetString()!, a => a.Id);
                var dependsOn = template.Resource(ecsId).GetProperty("DependsOn").EnumerateArray().Select(d => d.GetString()).ToList();
                foreach (var name in listed.EnumerateArray().Select(n => n.GetString()!))
                {
                    alarmsByName.Should().ContainKey(name, $"{environment.Environment}/{service.Name} lists it");
                    dependsOn.Should().Contain(alarmsByName[name], "the alarms exist before the service's first deployment");
                }
            }
    }

    [ToolFact("node")]
    public void Tasks_run_in_private_subnets_without_public_ips()
    {
        foreach (var service in infra.Dev.Services)
        {
            infra.Dev.ServiceStack(service).AllResourcesProperties("AWS::ECS::Service", new Dictionary<string, object>
            {
                ["NetworkConfiguration"] = new Dictionary<string, object>
                {
                    ["AwsvpcConfiguration"] = Match.ObjectLike(new Dictionary<string, object> { ["AssignPublicIp"] = "DISABLED" }),
                },
            });
            // The private subnets are the shared stack's, read from its SSM parameter and split.
            var template = infra.Dev.ServiceJson(service);
            var subnets = template.OfType("AWS::ECS::Service").Single().Properties
                .GetProperty("NetworkConfiguration").GetProperty("AwsvpcConfiguration").GetProperty("Subnets");
            subnets.GetArrayLength().Should().Be(Network.AvailabilityZones);
            template.ParameterPathsIn(subnets).Should().NotBeEmpty()
                .And.OnlyContain(path => path == DeploymentNames.SharedParameter("dev", SharedValue.PrivateSubnetIds));
        }
    }

    [ToolFact("node")]
    public void Services_run_in_the_shared_cluster()
    {
        foreach (var service in infra.Dev.Services)
        {
            var template = infra.Dev.ServiceJson(service);
            template.ParameterPathOf(template.OfType("AWS::ECS::Service").Single().Properties.GetProperty("Cluster"))
                .Should().Be(DeploymentNames.SharedParameter("dev", SharedValue.ClusterName));
        }
    }

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
                // The caller's stack reads the used service's ALB DNS name from the SSM parameter the used service's stack writes.
                var path = DeploymentNames.ServiceParameter("dev", used.Name, ServiceValue.LoadBalancerDns);
                infra.Dev.ServiceJson(caller).ParameterPathsIn(variable).Should().Equal(path);
                var (writingStack, value) = infra.Dev.Parameters[path];
                writingStack.Should().Be(DeploymentNames.ServiceStack("dev", used.Name));
                TemplateJson.GetAttTargetsIn(value).Should().Equal(infra.Dev.LoadBalancerOf(used));
                value.GetRawText().Should().Contain("DNSName");
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
            // With the desired count, the only parameters the pipeline passes; the others are SSM paths CloudFormation resolves by their defaults.
            var template = infra.Dev.ServiceJson(service);
            template.Root.GetProperty("Parameters").EnumerateObject().Select(p => p.Name).Where(p => !template.SsmParameters().ContainsKey(p))
                .Should().BeEquivalentTo([parameter, DeploymentNames.DesiredCountParameter(service.Name)],
                    "a service stack carries only its own image tag and desired count");
            infra.Dev.ServiceJson(service).Root.GetProperty("Parameters").GetProperty(parameter).GetProperty("Default").GetString()
                .Should().Be(infra.ImageTags[service.Name]);
        }
    }

    [ToolFact("node")]
    public void Service_without_an_image_tag_synthesizes_with_the_unset_tag() =>
        infra.ThreeServices.ServiceJson(infra.ThreeServices.Catalog[SynthesizedInfra.ThirdService]).Root.GetProperty("Parameters")
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
            infra.Dev.ServiceJson(service).Resource(group).GetProperty("Properties").GetProperty("RetentionInDays").GetInt32().Should().Be(7);
            infra.Dev.ServiceStack(service).ResourceCountIs("AWS::Logs::LogGroup", 1);
            infra.Dev.ServiceStack(service).AllResourcesProperties("AWS::Logs::LogGroup", new Dictionary<string, object> { ["RetentionInDays"] = 7 });
        }
        infra.Dev.Shared.AllResourcesProperties("AWS::Logs::LogGroup", new Dictionary<string, object> { ["RetentionInDays"] = 7 });
    }

    [ToolFact("node")]
    public void Cluster_has_container_insights_on() =>
        infra.Dev.Shared.HasResourceProperties("AWS::ECS::Cluster", new Dictionary<string, object>
        {
            ["ClusterSettings"] = new[] { new Dictionary<string, object> { ["Name"] = "containerInsights", ["Value"] = "enabled" } },
        });

    static Dictionary<string, string> Environment(JsonElement container) =>
        container.GetProperty("Environment").EnumerateArray()
            .Where(v => v.GetProperty("Value").ValueKind == JsonValueKind.String)
            .ToDictionary(v => v.GetProperty("Name").GetString()!, v => v.GetProperty("Value").GetString()!);
}
