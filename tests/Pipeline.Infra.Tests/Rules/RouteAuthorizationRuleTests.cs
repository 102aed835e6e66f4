using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Build.Synthesis;
using Pipeline.Build.Synthesis.Rules;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Rules;

/// <summary>
/// Pipeline-APIG4 on the real synthesized templates: every one passes, and the same template with one route's authorization
/// taken away, or a public route the manifest does not declare, fails naming the route and the manifest line to add.
/// </summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed class RouteAuthorizationRuleTests(SynthesizedInfra infra)
{
    static readonly RouteAuthorizationRule Rule = new();

    [ToolFact("node")]
    public void Every_synthesized_template_passes()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod, infra.ThreeServices, infra.ExternalIssuer, infra.WithSecrets })
            foreach (var path in environment.TemplatePaths)
                Check(environment, SynthesizedEnvironment.StackNameOf(path), JsonNode.Parse(File.ReadAllText(path))!).Should().BeEmpty(path);
    }

    [ToolFact("node")]
    public void A_route_whose_authorizer_is_removed_fails()
    {
        var (template, route) = Route(infra.Catalog["fastapi"], "ANY /api/fastapi/{proxy+}");
        route["Properties"]!.AsObject().Remove("AuthorizationType");
        route["Properties"]!.AsObject().Remove("AuthorizerId");

        var violation = Check(infra.Dev, "apigw-dev-fastapi", template).Should().ContainSingle().Subject;

        violation.RuleId.Should().Be("Pipeline-APIG4");
        violation.Message.Should().Contain("route ANY /api/fastapi/{proxy+} has no AuthorizationType")
            .And.Contain("Give the route the JWT authorizer (AuthorizationType JWT, AuthorizerId from /apigw/dev/shared/AuthorizerId)")
            .And.Contain("cannot declare /api/fastapi/{proxy+} public (it is the whole service)");
    }

    [ToolFact("node")]
    public void A_prefix_route_set_to_none_fails()
    {
        var (template, route) = Route(infra.Catalog["mcp"], "ANY /api/mcp");
        route["Properties"]!["AuthorizationType"] = "NONE";
        route["Properties"]!.AsObject().Remove("AuthorizerId");

        Check(infra.Dev, "apigw-dev-mcp", template).Should().ContainSingle()
            .Which.Message.Should().Contain("route ANY /api/mcp has AuthorizationType NONE, but /api/mcp is not a path mcp declares public");
    }

    [ToolFact("node")]
    public void A_public_route_to_an_undeclared_path_fails_and_names_the_manifest_line_that_would_declare_it()
    {
        var (template, _) = Route(infra.Catalog["fastapi"], "ANY /api/fastapi/docs");
        AddRoute(template, "Admin", "ANY /api/fastapi/admin", "NONE");
        AddRoute(template, "Static", "ANY /api/fastapi/static/{proxy+}", "NONE");

        var violations = Check(infra.Dev, "apigw-dev-fastapi", template);

        violations.Select(v => v.LogicalId).Should().BeEquivalentTo(["Admin", "Static"]);
        violations.Single(v => v.LogicalId == "Admin").Message.Should()
            .Contain("/api/fastapi/admin is not a path fastapi declares public")
            .And.Contain("add \"/admin\" to \"publicPaths\" in services/fastapi/service.json");
        violations.Single(v => v.LogicalId == "Static").Message.Should().Contain("add \"/static/*\" to \"publicPaths\" in services/fastapi/service.json");
    }

    [ToolFact("node")]
    public void The_metadata_discovery_route_is_public_only_for_the_service_that_declares_resource_metadata()
    {
        var (mcp, metadata) = Route(infra.Catalog["mcp"], "GET /.well-known/oauth-protected-resource/api/mcp/{proxy+}");
        Check(infra.Dev, "apigw-dev-mcp", mcp).Should().BeEmpty();

        var (fastapi, _) = Route(infra.Catalog["fastapi"], "ANY /api/fastapi/docs");
        AddRoute(fastapi, "Metadata", "GET /.well-known/oauth-protected-resource/api/fastapi/{proxy+}", "NONE");

        Check(infra.Dev, "apigw-dev-fastapi", fastapi).Should().ContainSingle()
            .Which.Message.Should().Contain("is not a path fastapi declares public").And.Contain("not under /api/fastapi");
        metadata["Properties"]!["AuthorizationType"]!.GetValue<string>().Should().Be("NONE");
    }

    [Fact]
    public void A_jwt_route_without_an_authorizer_id_and_a_public_route_outside_any_service_stack_fail()
    {
        var catalog = ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory());
        var template = JsonNode.Parse("""{ "Resources": {} }""")!;
        AddRoute(template, "NoId", "ANY /api/fastapi/{proxy+}", "JWT");
        AddRoute(template, "Open", "ANY /api/fastapi/health", "NONE");

        var inFastapi = Rule.Check(Resources(template), new TemplateContext("apigw-dev-fastapi", "dev", catalog)).ToList();
        var inShared = Rule.Check(Resources(template), new TemplateContext("apigw-dev-shared", "dev", catalog)).ToList();

        inFastapi.Should().ContainSingle().Which.Message.Should().Contain("AuthorizationType JWT but no AuthorizerId");
        inShared.Select(v => v.LogicalId).Should().BeEquivalentTo(["NoId", "Open"]);
        inShared.Single(v => v.LogicalId == "Open").Message.Should().Contain("stack apigw-dev-shared is no service's stack");
    }

    (JsonNode Template, JsonNode Route) Route(ServiceManifest service, string routeKey)
    {
        var template = JsonNode.Parse(infra.Dev.ServiceJson(service).Text)!;
        var route = template["Resources"]!.AsObject()
            .Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::ApiGatewayV2::Route" &&
                         r.Value!["Properties"]!["RouteKey"]!.GetValue<string>() == routeKey).Value!;
        return (template, route);
    }

    static void AddRoute(JsonNode template, string id, string routeKey, string authorization) =>
        template["Resources"]![id] = new JsonObject
        {
            ["Type"] = "AWS::ApiGatewayV2::Route",
            ["Properties"] = new JsonObject { ["ApiId"] = "api", ["RouteKey"] = routeKey, ["AuthorizationType"] = authorization },
        };

    static IReadOnlyList<RuleViolation> Check(SynthesizedEnvironment environment, string stack, JsonNode template) =>
        Rule.Check(Resources(template), environment.RuleContext(stack)).ToList();

    static IReadOnlyList<TemplateResource> Resources(JsonNode template) =>
        TemplateResource.All(JsonDocument.Parse(template.ToJsonString()));
}
