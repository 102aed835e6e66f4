using System.Text.Json;
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
    public void Each_route_of_a_service_goes_through_the_vpc_link_to_its_alb_listener()
    {
        foreach (var environment in new[] { infra.Dev, infra.WithSecrets })
            foreach (var service in environment.Services)
            {
                var template = environment.ServiceJson(service);
                var listener = template.OfType("AWS::ElasticLoadBalancingV2::Listener")
                    .Single(l => l.Properties.GetProperty("Port").GetInt32() == service.Port).Id;
                foreach (var expected in HttpApiRoutes.For(service))
                {
                    var route = RouteOf(template, expected.RouteKey);
                    template.ParameterPathOf(route.GetProperty("ApiId")).Should().Be(DeploymentNames.SharedParameter("dev", SharedValue.HttpApiId));
                    var integration = IntegrationOf(template, route);
                    integration.GetProperty("ConnectionType").GetString().Should().Be("VPC_LINK");
                    template.ParameterPathOf(integration.GetProperty("ConnectionId")).Should().Be(DeploymentNames.SharedParameter("dev", SharedValue.VpcLinkId));
                    template.ParameterPathOf(integration.GetProperty("ApiId")).Should().Be(DeploymentNames.SharedParameter("dev", SharedValue.HttpApiId));
                    TemplateJson.ReferencedId(integration.GetProperty("IntegrationUri")).Should().Be(listener, expected.RouteKey);
                }
            }
    }

    [ToolFact("node")]
    public void A_service_stack_holds_exactly_the_routes_its_manifest_implies_and_one_integration_per_path_mapping()
    {
        foreach (var environment in new[] { infra.Dev, infra.ThreeServices, infra.WithSecrets })
            foreach (var service in environment.Services)
            {
                var template = environment.ServiceJson(service);
                template.OfType("AWS::ApiGatewayV2::Route").Select(r => r.Properties.GetProperty("RouteKey").GetString())
                    .Should().BeEquivalentTo(HttpApiRoutes.For(service).Select(r => r.RouteKey), service.Name);
                template.OfType("AWS::ApiGatewayV2::Integration").Should().HaveCount(HttpApiRoutes.IntegrationCount(service), service.Name);
                // The two routes behind the authorizer have an integration each: the bare prefix has no {proxy} to map.
                var authorized = HttpApiRoutes.For(service).Where(r => r.NeedsToken)
                    .Select(r => TemplateJson.RefsIn(RouteOf(template, r.RouteKey).GetProperty("Target")).Single()).Distinct();
                authorized.Should().HaveCount(2, service.Name);
            }
        HttpApiRoutes.For(infra.Catalog["fastapi"]).Select(r => r.RouteKey).Should().Equal(
            "ANY /api/fastapi/{proxy+}", "ANY /api/fastapi", "ANY /api/fastapi/health", "ANY /api/fastapi/docs", "ANY /api/fastapi/openapi.json");
        HttpApiRoutes.For(infra.Catalog["mcp"]).Select(r => r.RouteKey).Should().Equal(
            "ANY /api/mcp/{proxy+}", "ANY /api/mcp", "ANY /api/mcp/health", "ANY /api/mcp/.well-known/oauth-protected-resource",
            "GET /.well-known/oauth-protected-resource/api/mcp/{proxy+}");
    }

    [ToolFact("node")]
    public void Every_route_has_the_jwt_authorizer_or_serves_a_path_its_manifest_declares_public()
    {
        var authorizerParameter = DeploymentNames.SharedParameter("dev", SharedValue.AuthorizerId);
        var publicRoutes = new List<string>();
        foreach (var environment in new[] { infra.Dev, infra.WithSecrets })
            foreach (var service in environment.Services)
            {
                var template = environment.ServiceJson(service);
                foreach (var (id, route) in template.OfType("AWS::ApiGatewayV2::Route"))
                {
                    var key = route.GetProperty("RouteKey").GetString()!;
                    var type = route.TryGetProperty("AuthorizationType", out var t) ? t.GetString() : null;
                    if (type == "JWT")
                    {
                        template.ParameterPathOf(route.GetProperty("AuthorizerId")).Should().Be(authorizerParameter, $"{service.Name} {key}");
                        continue;
                    }
                    type.Should().Be("NONE", $"{service.Name} {key} ({id}) says so explicitly");
                    var path = key[(key.IndexOf(' ') + 1)..];
                    var declared = service.UnauthenticatedPaths.Select(p => service.RoutePrefix + p.Path + (p.IsSubtree ? HttpApiRoutes.ProxySegment : ""))
                        .Concat(service.ResourceMetadataPath is null ? [] : [HttpApiRoutes.ResourceMetadataWellKnown + service.RoutePrefix + HttpApiRoutes.ProxySegment]);
                    declared.Should().Contain(path, $"{service.Name}: {key} has no authorizer, so its manifest must declare the path public");
                    publicRoutes.Add($"{environment.Environment}:{key}");
                }
                foreach (var prefixRoute in new[] { $"ANY {service.RoutePrefix}", $"ANY {service.RoutePrefix}/{{proxy+}}" })
                    RouteOf(template, prefixRoute).GetProperty("AuthorizationType").GetString().Should().Be("JWT", prefixRoute);
            }
        publicRoutes.Should().Contain(["dev:ANY /api/fastapi/health", "dev:ANY /api/fastapi/docs", "dev:ANY /api/mcp/health",
            "dev:GET /.well-known/oauth-protected-resource/api/mcp/{proxy+}", "dev:ANY /api/vault/static/{proxy+}"]);
    }

    [ToolFact("node")]
    public void Routes_strip_the_service_prefix_like_the_local_gateway()
    {
        foreach (var service in infra.Dev.Services)
        {
            var template = infra.Dev.ServiceJson(service);
            // /api/<svc>/a/b → /a/b; /api/<svc> → / (the gateway's mapping of the bare prefix, GatewayRouteTable).
            PathMappingOf(template, $"ANY {service.RoutePrefix}/{{proxy+}}").Should().Be("/$request.path.proxy");
            PathMappingOf(template, $"ANY {service.RoutePrefix}").Should().Be("/");
            // A literal route has no {proxy} parameter: its own integration sends the literal path.
            PathMappingOf(template, $"ANY {service.RoutePrefix}{service.HealthPath}").Should().Be(service.HealthPath);
        }
        PathMappingOf(infra.Dev.ServiceJson(infra.Catalog["fastapi"]), "ANY /api/fastapi/openapi.json").Should().Be("/openapi.json");
        var vault = infra.WithSecrets.Catalog[SynthesizedInfra.SecretService];
        PathMappingOf(infra.WithSecrets.ServiceJson(vault), "ANY /api/vault/static/{proxy+}").Should().Be("/static/$request.path.proxy");
    }

    [ToolFact("node")]
    public void Each_prefix_route_has_an_integration_of_its_own_with_a_static_path()
    {
        foreach (var environment in new[] { infra.Dev, infra.ThreeServices, infra.WithSecrets })
            foreach (var service in environment.Services)
            {
                var template = environment.ServiceJson(service);
                var prefix = RouteOf(template, $"ANY {service.RoutePrefix}");
                var integration = TemplateJson.RefsIn(prefix.GetProperty("Target")).Single();
                // No other route goes through it, so its static path is never a {proxy+} route's.
                template.OfType("AWS::ApiGatewayV2::Route")
                    .Where(r => TemplateJson.RefsIn(r.Properties.GetProperty("Target")).Contains(integration))
                    .Select(r => r.Properties.GetProperty("RouteKey").GetString())
                    .Should().Equal([$"ANY {service.RoutePrefix}"], service.Name);
                var path = IntegrationOf(template, prefix).GetProperty("RequestParameters").GetProperty("overwrite:path").GetString();
                path.Should().Be(HttpApiRoutes.PrefixMapping, service.Name).And.NotContain("$", "a static path names no variable");
            }
    }

    [ToolFact("node")]
    public void Mcp_clients_find_the_protected_resource_metadata_at_the_rfc_9728_path_without_a_token()
    {
        var mcp = infra.Catalog["mcp"];
        var template = infra.Dev.ServiceJson(mcp);
        // https://<api>/.well-known/oauth-protected-resource/api/mcp/mcp: the metadata URL of resource https://<api>/api/mcp/mcp.
        var route = RouteOf(template, "GET /.well-known/oauth-protected-resource/api/mcp/{proxy+}");
        route.GetProperty("AuthorizationType").GetString().Should().Be("NONE");
        PathMappingOf(template, "GET /.well-known/oauth-protected-resource/api/mcp/{proxy+}").Should().Be(mcp.ResourceMetadataPath);
        // The same integration as the metadata path under the prefix: one integration per mapping.
        TemplateJson.RefsIn(route.GetProperty("Target")).Should().Equal(
            TemplateJson.RefsIn(RouteOf(template, $"ANY /api/mcp{mcp.ResourceMetadataPath}").GetProperty("Target")));
        infra.Dev.ServiceJson(infra.Catalog["fastapi"]).Text.Should().NotContain("oauth-protected-resource", "fastapi is no OAuth protected resource");
    }

    [ToolFact("node")]
    public void Shared_stack_holds_the_api_but_no_service_route_or_integration()
    {
        infra.Dev.SharedJson.OfType("AWS::ApiGatewayV2::Route").Should().BeEmpty();
        infra.Dev.SharedJson.OfType("AWS::ApiGatewayV2::Integration").Should().BeEmpty();
        // A service appears in the shared stack only as its OAuth scope (the resource server, the clients that may ask for it)
        // and as its routes' graphs on the dashboard.
        foreach (var (id, resource) in infra.Dev.SharedJson.Root.GetProperty("Resources").EnumerateObject().Select(r => (r.Name, r.Value)))
            if (resource.GetProperty("Type").GetString() is var type &&
                !type!.StartsWith("AWS::Cognito::", StringComparison.Ordinal) && type != "AWS::CloudWatch::Dashboard")
                foreach (var service in infra.Dev.Services)
                    resource.GetRawText().Should().NotContain(service.RoutePrefix, $"{id}: adding a service must not change the shared stack");
    }

    [ToolFact("node")]
    public void Stage_logs_access_publishes_per_route_metrics_and_throttles_by_default()
    {
        infra.Dev.Shared.HasResourceProperties("AWS::ApiGatewayV2::Stage", new Dictionary<string, object>
        {
            ["StageName"] = "$default",
            ["AutoDeploy"] = true,
            ["AccessLogSettings"] = new Dictionary<string, object>
            {
                ["DestinationArn"] = Match.AnyValue(),
                ["Format"] = Match.AnyValue(),
            },
            // Detailed metrics: API Gateway publishes Count, 4xx, 5xx, Latency and IntegrationLatency per route as well as per stage.
            ["DefaultRouteSettings"] = new Dictionary<string, object>
            {
                ["DetailedMetricsEnabled"] = true,
                ["ThrottlingBurstLimit"] = HttpGateway.ThrottleBurst,
                ["ThrottlingRateLimit"] = HttpGateway.ThrottleRatePerSecond,
            },
        });
    }

    // The gateway access log line of the contract ("Follow one request"), each value the HTTP API access-log variable of the
    // AWS page "Customizing HTTP API access logs"; the local gateway writes the same keys.
    static readonly (string Key, string Value)[] ContractAccessLogLine =
    [
        ("time", "$context.requestTime"), ("service", "gateway"), ("request_id", "$context.requestId"), ("method", "$context.httpMethod"),
        ("route", "$context.routeKey"), ("path", "$context.path"), ("status", "$context.status"), ("duration_ms", "$context.responseLatency"),
        ("integration_latency_ms", "$context.integrationLatency"), ("integration_status", "$context.integrationStatus"),
        ("integration_error", "$context.integrationErrorMessage"), ("authorizer_error", "$context.authorizer.error"), ("error", "$context.error.message"),
        ("source_ip", "$context.identity.sourceIp"), ("response_length", "$context.responseLength"), ("protocol", "$context.protocol"),
    ];

    [ToolFact("node")]
    public void The_access_log_is_one_json_object_per_line_with_the_contracts_keys_and_their_context_variables()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod })
        {
            var format = environment.SharedJson.OfType("AWS::ApiGatewayV2::Stage").Single().Properties
                .GetProperty("AccessLogSettings").GetProperty("Format").GetString()!;

            format.Should().NotContain("\n", "one request, one line");
            using var line = JsonDocument.Parse(format);
            line.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.GetString()!)).Should().Equal(ContractAccessLogLine, environment.Environment);
            // Never the query string: $context.path is the path alone.
            format.Should().NotContain("querystring", environment.Environment);
        }
    }

    [ToolFact("node")]
    public void Every_integration_of_every_service_stack_overwrites_x_request_id_with_the_gateways_request_id()
    {
        var integrations = 0;
        foreach (var environment in new[] { infra.Dev, infra.ThreeServices, infra.WithSecrets })
            foreach (var service in environment.Services)
                foreach (var (id, integration) in environment.ServiceJson(service).OfType("AWS::ApiGatewayV2::Integration"))
                {
                    var mappings = integration.GetProperty("RequestParameters").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
                    mappings.Should().Contain("overwrite:header.x-request-id", "$context.requestId", $"{environment.Environment}/{service.Name}/{id}");
                    mappings.Keys.Where(k => k.Contains("x-request-id", StringComparison.OrdinalIgnoreCase))
                        .Should().Equal(["overwrite:header.x-request-id"], "neither appended nor removed beside the overwrite");
                    integrations++;
                }
        integrations.Should().Be(new[] { infra.Dev, infra.ThreeServices, infra.WithSecrets }.Sum(e => e.Services.Sum(HttpApiRoutes.IntegrationCount)));
    }

    static JsonElement RouteOf(TemplateJson template, string routeKey) =>
        template.OfType("AWS::ApiGatewayV2::Route").Select(r => r.Properties)
            .Should().ContainSingle(r => r.GetProperty("RouteKey").GetString() == routeKey, routeKey).Subject;

    static JsonElement IntegrationOf(TemplateJson template, JsonElement route) =>
        template.Resource(TemplateJson.RefsIn(route.GetProperty("Target")).Single()).GetProperty("Properties");

    static string? PathMappingOf(TemplateJson template, string routeKey) =>
        IntegrationOf(template, RouteOf(template, routeKey)).GetProperty("RequestParameters").GetProperty("overwrite:path").GetString();
}
