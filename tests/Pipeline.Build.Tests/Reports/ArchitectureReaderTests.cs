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

    [Fact]
    public void A_service_without_a_scalable_target_runs_its_desired_count()
    {
        var templates = new FixtureTemplates { Services = [new("fastapi", 8000, MinTasks: 3, MaxTasks: 6)] };
        var app = templates.App();
        app["Resources"]!.AsObject().Remove("FastapiScalableTarget");

        var architecture = ArchitectureReader.Read([System.Text.Json.JsonDocument.Parse(app.ToJsonString())]);

        architecture.Services.Single().Should().Match<ServiceLayout>(s => s.MinTasks == 3 && s.MaxTasks == 3);
    }
}
