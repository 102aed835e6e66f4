using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class ServiceLoadBalancerTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void Each_service_has_an_internal_alb_with_a_listener_on_its_port()
    {
        infra.Dev.Shared.ResourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 0);
        foreach (var service in infra.Dev.Services)
        {
            var stack = infra.Dev.ServiceStack(service);
            stack.ResourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 1);
            stack.AllResourcesProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", new Dictionary<string, object>
            {
                ["Scheme"] = "internal",
                ["Type"] = "application",
            });
            stack.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", new Dictionary<string, object>
            {
                ["Port"] = service.Port,
                ["Protocol"] = "HTTP",
            });
            // In the shared stack's private subnets.
            var subnets = infra.Dev.ServiceJson(service).Resource(infra.Dev.LoadBalancerOf(service)).GetProperty("Properties").GetProperty("Subnets");
            subnets.GetArrayLength().Should().Be(Network.AvailabilityZones);
            infra.Dev.ServiceJson(service).ParameterPathsIn(subnets).Should().NotBeEmpty()
                .And.OnlyContain(path => path == DeploymentNames.SharedParameter("dev", SharedValue.PrivateSubnetIds));
        }
    }

    [ToolFact("node")]
    public void Target_group_forwards_to_the_service_port_on_task_ips()
    {
        foreach (var service in infra.Dev.Services)
            infra.Dev.ServiceStack(service).HasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", new Dictionary<string, object>
            {
                ["Port"] = service.Port,
                ["Protocol"] = "HTTP",
                ["TargetType"] = "ip",
            });
    }

    [ToolFact("node")]
    public void Health_check_probes_the_health_path_every_five_seconds_and_needs_two_successes()
    {
        foreach (var service in infra.Dev.Services)
            infra.Dev.ServiceStack(service).HasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", new Dictionary<string, object>
            {
                ["Port"] = service.Port,
                ["HealthCheckPath"] = service.HealthPath,
                ["HealthCheckIntervalSeconds"] = 5,
                ["HealthCheckTimeoutSeconds"] = 3,
                ["HealthyThresholdCount"] = 2,
                ["Matcher"] = new Dictionary<string, object> { ["HttpCode"] = "200" },
            });
    }

    [ToolFact("node")]
    public void Deregistration_delay_is_seconds_but_outlasts_a_thirty_second_mcp_response()
    {
        foreach (var (_, group) in infra.Dev.Services.SelectMany(s => infra.Dev.ServiceJson(s).OfType("AWS::ElasticLoadBalancingV2::TargetGroup")))
        {
            var delay = group.GetProperty("TargetGroupAttributes").EnumerateArray()
                .Single(a => a.GetProperty("Key").GetString() == "deregistration_delay.timeout_seconds")
                .GetProperty("Value").GetString();
            int.Parse(delay!).Should().BeInRange(31, 60, "in-flight 30 s MCP calls must finish, and 300 s would stall every rollout");
        }
    }
}
