using System.Text.Json.Nodes;
using Pipeline.Build.Reports;

namespace Pipeline.Build.Tests.Reports;

public sealed class ArchitectureReaderTests
{
    [Fact]
    public void Resources_are_tied_to_their_service_through_the_templates_references()
    {
        var templates = new FixtureTemplates { Services = [new("fastapi", 8000), new("mcp", 3000, Alarms: 3)] };

        var architecture = ArchitectureReader.Read(templates.Documents());

        architecture.Services.Select(s => (s.Name, s.ListenerPort, s.TargetGroupPort, s.ContainerPort, s.MinTasks, s.MaxTasks))
            .Should().Equal(("fastapi", 8000, 8000, 8000, 2, 4), ("mcp", 3000, 3000, 3000, 2, 4));
        architecture.Repositories.Select(r => (r.Name, r.Service, r.KeepsImages)).Should().BeEquivalentTo([("apigw-test/fastapi", "fastapi", 5), ("apigw-test/mcp", "mcp", 5)]);
        architecture.LoadBalancers.Select(b => b.Service).Should().BeEquivalentTo(["fastapi", "mcp"]);
        architecture.Alarms.GroupBy(a => a.Service).ToDictionary(g => g.Key!, g => g.Count()).Should().BeEquivalentTo(new Dictionary<string, int> { ["fastapi"] = 4, ["mcp"] = 3 });
        architecture.LogGroups.Select(l => (l.Purpose, l.Service)).Should().BeEquivalentTo(
            [("service logs", "fastapi"), ("service logs", "mcp"), ("VPC flow logs", (string?)null), ("API access logs", (string?)null)]);
        architecture.Apis.Single().Routes.Select(r => (r.RouteKey, r.Service)).Should().Equal(
            ("ANY /api/fastapi", "fastapi"), ("ANY /api/fastapi/{proxy+}", "fastapi"), ("ANY /api/mcp", "mcp"), ("ANY /api/mcp/{proxy+}", "mcp"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Routes_declared_in_the_service_stacks_belong_to_the_shared_api_whether_imported_or_passed_as_ssm_parameters(bool ssmParameters)
    {
        var templates = new FixtureTemplates { SsmParameters = ssmParameters, Services = [new("fastapi", 8000), new("mcp", 3000)] };

        var api = ArchitectureReader.Read(templates.Documents()).Apis.Single();

        api.Stack.Should().Be("apigw-test-shared");
        api.Routes.Select(r => (r.RouteKey, r.Service, r.ThroughVpcLink, r.Stack)).Should().Equal(
            ("ANY /api/fastapi", "fastapi", true, "apigw-test-fastapi"), ("ANY /api/fastapi/{proxy+}", "fastapi", true, "apigw-test-fastapi"),
            ("ANY /api/mcp", "mcp", true, "apigw-test-mcp"), ("ANY /api/mcp/{proxy+}", "mcp", true, "apigw-test-mcp"));
    }

    [Fact]
    public void The_only_api_of_the_environment_gets_every_route_however_the_route_names_it()
    {
        var templates = new FixtureTemplates { Services = [new("fastapi", 8000)] };
        var stacks = templates.Templates();
        var service = stacks.Single(t => t.Stack == templates.ServiceStack("fastapi")).Template;
        service["Parameters"]!["HttpApiId"] = new JsonObject { ["Type"] = "String" };
        foreach (var route in new[] { "FastapiRoutePrefix", "FastapiRouteProxy" })
            service["Resources"]![route]!["Properties"]!["ApiId"] = new JsonObject { ["Ref"] = "HttpApiId" };

        var api = ArchitectureReader.Read(FixtureTemplates.Parse(stacks)).Apis.Single();

        api.Routes.Select(r => (r.RouteKey, r.Service)).Should().Equal(("ANY /api/fastapi", "fastapi"), ("ANY /api/fastapi/{proxy+}", "fastapi"));
    }

    [Fact]
    public void With_several_apis_a_route_belongs_to_the_api_its_reference_leads_to()
    {
        var templates = new FixtureTemplates
        {
            Services = [new("fastapi", 8000)],
            ExtraResources =
            {
                ["Socket"] = FixtureTemplates.Resource("AWS::ApiGatewayV2::Api", new JsonObject { ["Name"] = "sockets", ["ProtocolType"] = "WEBSOCKET" }),
                ["SocketConnect"] = FixtureTemplates.Resource("AWS::ApiGatewayV2::Route", new JsonObject { ["ApiId"] = new JsonObject { ["Ref"] = "Socket" }, ["RouteKey"] = "$connect" }),
            },
        };

        var apis = ArchitectureReader.Read(templates.Documents()).Apis;

        apis.Single(a => a.Name == "apigw-test").Routes.Select(r => r.RouteKey).Should().Equal("ANY /api/fastapi", "ANY /api/fastapi/{proxy+}");
        apis.Single(a => a.Name == "sockets").Routes.Select(r => (r.RouteKey, r.Service)).Should().Equal(("$connect", (string?)null));
    }

    [Fact]
    public void Every_component_records_the_stack_it_is_declared_in()
    {
        var templates = new FixtureTemplates { Services = [new("fastapi", 8000), new("mcp", 3000)] };

        var architecture = ArchitectureReader.Read(templates.Documents());

        architecture.Stacks.Should().Equal("apigw-test-registry", "apigw-test-shared", "apigw-test-fastapi", "apigw-test-mcp");
        architecture.Network.Stack.Should().Be("apigw-test-shared");
        architecture.VpcLinks.Should().ContainSingle().Which.Stack.Should().Be("apigw-test-shared");
        architecture.Clusters.Should().ContainSingle().Which.Stack.Should().Be("apigw-test-shared");
        architecture.Repositories.Should().AllSatisfy(r => r.Stack.Should().Be("apigw-test-registry"));
        foreach (var service in architecture.Services)
        {
            var stack = templates.ServiceStack(service.Name);
            service.Stack.Should().Be(stack);
            architecture.LoadBalancers.Single(b => b.Service == service.Name).Stack.Should().Be(stack);
            architecture.LogGroups.Single(l => l.Service == service.Name).Stack.Should().Be(stack);
            architecture.Alarms.Where(a => a.Service == service.Name).Should().AllSatisfy(a => a.Stack.Should().Be(stack));
        }
        architecture.LogGroups.Where(l => l.Service is null).Should().AllSatisfy(l => l.Stack.Should().Be("apigw-test-shared"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_service_uses_the_services_whose_load_balancers_its_containers_are_given(bool ssmParameters)
    {
        var templates = new FixtureTemplates { SsmParameters = ssmParameters, Services = [new("fastapi", 8000), new("mcp", 3000, Uses: ["fastapi"])] };

        var architecture = ArchitectureReader.Read(templates.Documents());

        architecture.Services.Select(s => (s.Name, string.Join(",", s.Uses))).Should().Equal(("fastapi", ""), ("mcp", "fastapi"));
    }

    [Fact]
    public void A_service_without_a_scalable_target_runs_its_desired_count()
    {
        var templates = new FixtureTemplates { Services = [new("fastapi", 8000, MinTasks: 3, MaxTasks: 6)] };
        var stacks = templates.Templates();
        stacks.Single(t => t.Stack == templates.ServiceStack("fastapi")).Template["Resources"]!.AsObject().Remove("FastapiScalableTarget");

        var architecture = ArchitectureReader.Read(FixtureTemplates.Parse(stacks));

        architecture.Services.Single().Should().Match<ServiceLayout>(s => s.MinTasks == 3 && s.MaxTasks == 3);
    }
}
