using Amazon.CDK.Assertions;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class HttpGatewayTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void Http_api_reaches_the_private_subnets_through_a_vpc_link()
    {
        infra.Dev.Shared.HasResourceProperties("AWS::ApiGatewayV2::Api", new Dictionary<string, object> { ["ProtocolType"] = "HTTP" });
        var link = infra.Dev.SharedJson.OfType("AWS::ApiGatewayV2::VpcLink").Single().Properties;
        var subnets = link.GetProperty("SubnetIds").EnumerateArray().Select(s => TemplateJson.ReferencedId(s)!).ToList();
        subnets.Should().HaveCount(2);
        foreach (var subnet in subnets)
            infra.Dev.SharedJson.Resource(subnet).GetProperty("Properties").GetProperty("MapPublicIpOnLaunch").GetBoolean().Should().BeFalse();
    }

    [ToolFact("node")]
    public void Each_service_has_a_prefix_route_and_a_proxy_route_to_its_alb_listener()
    {
        foreach (var service in infra.Dev.Services)
        {
            var template = infra.Dev.ServiceJson(service);
            var routes = template.OfType("AWS::ApiGatewayV2::Route").Select(r => r.Properties).ToList();
            var listener = template.OfType("AWS::ElasticLoadBalancingV2::Listener")
                .Single(l => l.Properties.GetProperty("Port").GetInt32() == service.Port).Id;
            foreach (var routeKey in new[] { $"ANY {service.RoutePrefix}", $"ANY {service.RoutePrefix}/{{proxy+}}" })
            {
                var route = routes.Single(r => r.GetProperty("RouteKey").GetString() == routeKey);
                template.ParameterPathOf(route.GetProperty("ApiId")).Should().Be(DeploymentNames.SharedParameter("dev", SharedValue.HttpApiId));
                var integrationId = TemplateJson.RefsIn(route.GetProperty("Target")).Single();
                var integration = template.Resource(integrationId).GetProperty("Properties");
                integration.GetProperty("ConnectionType").GetString().Should().Be("VPC_LINK");
                template.ParameterPathOf(integration.GetProperty("ConnectionId")).Should().Be(DeploymentNames.SharedParameter("dev", SharedValue.VpcLinkId));
                template.ParameterPathOf(integration.GetProperty("ApiId")).Should().Be(DeploymentNames.SharedParameter("dev", SharedValue.HttpApiId));
                TemplateJson.ReferencedId(integration.GetProperty("IntegrationUri")).Should().Be(listener);
            }
        }
    }

    [ToolFact("node")]
    public void Each_service_stack_has_exactly_one_integration_and_two_routes_pointing_at_it()
    {
        foreach (var environment in new[] { infra.Dev, infra.ThreeServices })
            foreach (var service in environment.Services)
            {
                var template = environment.ServiceJson(service);
                var integration = template.OfType("AWS::ApiGatewayV2::Integration").Should().ContainSingle(service.Name).Subject.Id;
                var routes = template.OfType("AWS::ApiGatewayV2::Route").ToList();
                routes.Should().HaveCount(2, service.Name);
                routes.Should().AllSatisfy(r => TemplateJson.RefsIn(r.Properties.GetProperty("Target")).Should().Equal(integration));
            }
    }

    [ToolFact("node")]
    public void Shared_stack_holds_the_api_but_no_service_route_or_integration()
    {
        infra.Dev.SharedJson.OfType("AWS::ApiGatewayV2::Route").Should().BeEmpty();
        infra.Dev.SharedJson.OfType("AWS::ApiGatewayV2::Integration").Should().BeEmpty();
        foreach (var service in infra.Dev.Services)
            infra.Dev.SharedJson.Text.Should().NotContain(service.RoutePrefix, "adding a service must not change the shared stack");
    }

    [ToolFact("node")]
    public void Routes_strip_the_service_prefix_like_the_local_gateway()
    {
        foreach (var service in infra.Dev.Services)
        {
            var routes = infra.Dev.ServiceJson(service).OfType("AWS::ApiGatewayV2::Route").Select(r => r.Properties).ToList();
            // /api/<svc>/a/b → /a/b; /api/<svc> has no {proxy} parameter, so the same mapping gives "/".
            PathMappingOf(service, routes, $"ANY {service.RoutePrefix}/{{proxy+}}").Should().Be("/$request.path.proxy");
            PathMappingOf(service, routes, $"ANY {service.RoutePrefix}").Should().Be("/$request.path.proxy");
        }
    }

    [ToolFact("node")]
    public void Stage_logs_access_and_throttles_by_default()
    {
        infra.Dev.Shared.HasResourceProperties("AWS::ApiGatewayV2::Stage", new Dictionary<string, object>
        {
            ["StageName"] = "$default",
            ["AutoDeploy"] = true,
            ["AccessLogSettings"] = new Dictionary<string, object>
            {
                ["DestinationArn"] = Match.AnyValue(),
                ["Format"] = Match.StringLikeRegexp("requestId"),
            },
            ["DefaultRouteSettings"] = new Dictionary<string, object>
            {
                ["ThrottlingBurstLimit"] = HttpGateway.ThrottleBurst,
                ["ThrottlingRateLimit"] = HttpGateway.ThrottleRatePerSecond,
            },
        });
    }

    string? PathMappingOf(ServiceManifest service, List<System.Text.Json.JsonElement> routes, string routeKey)
    {
        var route = routes.Single(r => r.GetProperty("RouteKey").GetString() == routeKey);
        var integrationId = TemplateJson.RefsIn(route.GetProperty("Target")).Single();
        return infra.Dev.ServiceJson(service).Resource(integrationId).GetProperty("Properties")
            .GetProperty("RequestParameters").GetProperty("overwrite:path").GetString();
    }
}
