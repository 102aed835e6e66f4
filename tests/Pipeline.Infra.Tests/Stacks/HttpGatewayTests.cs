using Amazon.CDK.Assertions;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests.Stacks;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class HttpGatewayTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void Http_api_reaches_the_private_subnets_through_a_vpc_link()
    {
        infra.Dev.App.HasResourceProperties("AWS::ApiGatewayV2::Api", new Dictionary<string, object> { ["ProtocolType"] = "HTTP" });
        var link = infra.Dev.AppJson.OfType("AWS::ApiGatewayV2::VpcLink").Single().Properties;
        var subnets = link.GetProperty("SubnetIds").EnumerateArray().Select(s => TemplateJson.ReferencedId(s)!).ToList();
        subnets.Should().HaveCount(2);
        foreach (var subnet in subnets)
            infra.Dev.AppJson.Resource(subnet).GetProperty("Properties").GetProperty("MapPublicIpOnLaunch").GetBoolean().Should().BeFalse();
    }

    [ToolFact("node")]
    public void Each_service_has_a_prefix_route_and_a_proxy_route_to_its_alb_listener()
    {
        var routes = infra.Dev.AppJson.OfType("AWS::ApiGatewayV2::Route").Select(r => r.Properties).ToList();
        foreach (var service in infra.Dev.Services)
        {
            var listener = infra.Dev.AppJson.OfType("AWS::ElasticLoadBalancingV2::Listener")
                .Single(l => l.Properties.GetProperty("Port").GetInt32() == service.Port).Id;
            foreach (var routeKey in new[] { $"ANY {service.RoutePrefix}", $"ANY {service.RoutePrefix}/{{proxy+}}" })
            {
                var route = routes.Single(r => r.GetProperty("RouteKey").GetString() == routeKey);
                var integrationId = TemplateJson.RefsIn(route.GetProperty("Target")).Single();
                var integration = infra.Dev.AppJson.Resource(integrationId).GetProperty("Properties");
                integration.GetProperty("ConnectionType").GetString().Should().Be("VPC_LINK");
                TemplateJson.ReferencedId(integration.GetProperty("IntegrationUri")).Should().Be(listener);
            }
        }
    }

    [ToolFact("node")]
    public void Routes_strip_the_service_prefix_like_the_local_gateway()
    {
        var routes = infra.Dev.AppJson.OfType("AWS::ApiGatewayV2::Route").Select(r => r.Properties).ToList();
        foreach (var service in infra.Dev.Services)
        {
            PathMappingOf(routes, $"ANY {service.RoutePrefix}").Should().Be("/");
            PathMappingOf(routes, $"ANY {service.RoutePrefix}/{{proxy+}}").Should().Be("/$request.path.proxy");
        }
    }

    [ToolFact("node")]
    public void Stage_logs_access_and_throttles_by_default()
    {
        infra.Dev.App.HasResourceProperties("AWS::ApiGatewayV2::Stage", new Dictionary<string, object>
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

    string? PathMappingOf(List<System.Text.Json.JsonElement> routes, string routeKey)
    {
        var route = routes.Single(r => r.GetProperty("RouteKey").GetString() == routeKey);
        var integrationId = TemplateJson.RefsIn(route.GetProperty("Target")).Single();
        return infra.Dev.AppJson.Resource(integrationId).GetProperty("Properties")
            .GetProperty("RequestParameters").GetProperty("overwrite:path").GetString();
    }
}
