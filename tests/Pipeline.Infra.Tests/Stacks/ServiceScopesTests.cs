using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

/// <summary>
/// One OAuth scope per service, <c>apigw-&lt;env&gt;/&lt;service&gt;</c>: the Cognito resource server defines one per service
/// in the catalog, the machine client may ask for all of them, and every route that needs a token requires its service's
/// scope, while the public routes (health, resource metadata, <c>publicPaths</c>) need none.
/// </summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed class ServiceScopesTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void The_resource_server_defines_one_scope_per_service_and_the_machine_client_may_ask_for_each()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod, infra.ThreeServices })
        {
            var name = environment.Environment;
            var server = environment.SharedJson.OfType("AWS::Cognito::UserPoolResourceServer").Single().Properties;
            server.GetProperty("Identifier").GetString().Should().Be($"apigw-{name}");
            var scopes = server.GetProperty("Scopes").EnumerateArray().ToDictionary(s => s.GetProperty("ScopeName").GetString()!, s => s.GetProperty("ScopeDescription").GetString()!);
            scopes.Keys.Should().BeEquivalentTo(environment.Catalog.Names, name);
            foreach (var service in environment.Services)
                scopes[service.Name].Should().Contain(service.RoutePrefix, "the description says which routes the scope opens");

            environment.MachineClient.Properties.GetProperty("AllowedOAuthScopes").EnumerateArray().Select(s => s.GetString())
                .Should().BeEquivalentTo(environment.Services.Select(s => DeploymentNames.ServiceScope(name, s.Name)), name);
        }
        DeploymentNames.ServiceScope("dev", "mcp").Should().Be("apigw-dev/mcp");
    }

    [ToolFact("node")]
    public void Every_route_that_needs_a_token_requires_its_services_scope_and_public_routes_require_none()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod, infra.ThreeServices, infra.ExternalIssuer, infra.WithSecrets })
            foreach (var service in environment.Services)
            {
                var routes = environment.ServiceJson(service).OfType("AWS::ApiGatewayV2::Route").ToList();
                routes.Should().HaveCount(HttpApiRoutes.For(service).Count, service.Name);
                foreach (var (_, route) in routes)
                {
                    var key = route.GetProperty("RouteKey").GetString()!;
                    var path = key[(key.IndexOf(' ') + 1)..];
                    var declared = HttpApiRoutes.For(service).Single(r => r.Path == path);
                    if (declared.NeedsToken)
                    {
                        route.GetProperty("AuthorizationType").GetString().Should().Be("JWT", key);
                        route.GetProperty("AuthorizationScopes").EnumerateArray().Select(s => s.GetString())
                            .Should().Equal([DeploymentNames.ServiceScope(environment.Environment, service.Name)], key);
                    }
                    else
                    {
                        route.GetProperty("AuthorizationType").GetString().Should().Be("NONE", key);
                        route.TryGetProperty("AuthorizationScopes", out _).Should().BeFalse($"{key} is public");
                    }
                }
            }
    }

    [ToolFact("node")]
    public void An_external_issuer_is_required_to_grant_the_same_scope_names()
    {
        // Service stacks read nothing issuer-specific, so the routes of an environment that trusts Entra, Auth0 or Okta
        // require the same apigw-<env>/<service> scopes; that provider must define them (README).
        foreach (var service in infra.ExternalIssuer.Services)
            infra.ExternalIssuer.ServiceJson(service).Text.Should().Contain($"\"apigw-dev/{service.Name}\"");
        infra.ExternalIssuer.SharedJson.Text.Should().NotContain("AWS::Cognito::");
    }
}
