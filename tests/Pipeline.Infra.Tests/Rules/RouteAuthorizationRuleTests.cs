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

    [ToolFact("node")]
    public void A_jwt_route_without_authorization_scopes_fails_naming_the_route_and_the_scope_to_require()
    {
        var (template, route) = Route(infra.Catalog["mcp"], "ANY /api/mcp/{proxy+}");
        route["Properties"]!.AsObject().Remove("AuthorizationScopes");

        var violation = Check(infra.Dev, "apigw-dev-mcp", template).Should().ContainSingle().Subject;

        violation.RuleId.Should().Be("Pipeline-APIG4");
        violation.Message.Should().Contain("route ANY /api/mcp/{proxy+} has the JWT authorizer but no AuthorizationScopes")
            .And.Contain("an OIDC ID token")
            .And.Contain("AuthorizationScopes [\"apigw-dev/mcp\"]").And.Contain("infra/ServiceRoutes.cs");
    }

    [ToolFact("node")]
    public void A_jwt_route_with_an_empty_or_computed_scope_list_fails()
    {
        var (empty, emptyRoute) = Route(infra.Catalog["fastapi"], "ANY /api/fastapi");
        emptyRoute["Properties"]!["AuthorizationScopes"] = new JsonArray();
        Check(infra.Dev, "apigw-dev-fastapi", empty).Should().ContainSingle()
            .Which.Message.Should().Contain("route ANY /api/fastapi has the JWT authorizer but no AuthorizationScopes");

        var (computed, computedRoute) = Route(infra.Catalog["fastapi"], "ANY /api/fastapi");
        computedRoute["Properties"]!["AuthorizationScopes"] = JsonNode.Parse("""{ "Ref": "Scopes" }""");
        Check(infra.Dev, "apigw-dev-fastapi", computed).Should().ContainSingle()
            .Which.Message.Should().Contain("takes its AuthorizationScopes from").And.Contain("write the scopes literally");
    }

    [ToolFact("node")]
    public void A_jwt_route_that_accepts_another_services_scope_fails()
    {
        var (template, route) = Route(infra.Catalog["mcp"], "ANY /api/mcp");
        route["Properties"]!["AuthorizationScopes"] = new JsonArray("apigw-dev/fastapi");
        Check(infra.Dev, "apigw-dev-mcp", template).Should().ContainSingle()
            .Which.Message.Should().Contain("route ANY /api/mcp accepts apigw-dev/fastapi").And.Contain("a token for another service calls mcp");

        // Its own scope plus another is no better: API Gateway admits a token with any one of them.
        route["Properties"]!["AuthorizationScopes"] = new JsonArray("apigw-dev/mcp", "apigw-dev/fastapi");
        Check(infra.Dev, "apigw-dev-mcp", template).Should().ContainSingle()
            .Which.Message.Should().Contain("accepts apigw-dev/fastapi");
    }

    [Fact]
    public void A_jwt_route_outside_a_service_stack_needs_some_scope_and_a_custom_authorizer_needs_none()
    {
        var catalog = ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory());
        var template = JsonNode.Parse("""{ "Resources": {} }""")!;
        AddRoute(template, "Unscoped", "ANY /api/fastapi/{proxy+}", "JWT", authorizerId: "authorizer");
        AddRoute(template, "Scoped", "ANY /api/fastapi", "JWT", authorizerId: "authorizer", scopes: ["apigw-dev/fastapi"]);
        AddRoute(template, "Lambda", "ANY /api/other", "CUSTOM", authorizerId: "authorizer");

        var violations = Rule.Check(Resources(template), new TemplateContext("apigw-dev-shared", "dev", catalog)).ToList();

        violations.Should().ContainSingle().Which.LogicalId.Should().Be("Unscoped");
        violations[0].Message.Should().Contain("AuthorizationScopes [apigw-<env>/<service>]");
    }

    [Fact]
    public void A_jwt_route_without_an_authorizer_id_and_a_public_route_outside_any_service_stack_fail()
    {
        var catalog = ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory());
        var template = JsonNode.Parse("""{ "Resources": {} }""")!;
        AddRoute(template, "NoId", "ANY /api/fastapi/{proxy+}", "JWT", scopes: ["apigw-dev/fastapi"]);
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

    static void AddRoute(JsonNode template, string id, string routeKey, string authorization, string? authorizerId = null, string[]? scopes = null)
    {
        var properties = new JsonObject { ["ApiId"] = "api", ["RouteKey"] = routeKey, ["AuthorizationType"] = authorization };
        if (authorizerId is not null)
            properties["AuthorizerId"] = authorizerId;
        if (scopes is not null)
            properties["AuthorizationScopes"] = new JsonArray([.. scopes.Select(s => (JsonNode?)JsonValue.Create(s))]);
        template["Resources"]![id] = new JsonObject { ["Type"] = "AWS::ApiGatewayV2::Route", ["Properties"] = properties };
    }

    static IReadOnlyList<RuleViolation> Check(SynthesizedEnvironment environment, string stack, JsonNode template) =>
        Rule.Check(Resources(template), environment.RuleContext(stack)).ToList();

    static IReadOnlyList<TemplateResource> Resources(JsonNode template) =>
        TemplateResource.All(JsonDocument.Parse(template.ToJsonString()));
}
