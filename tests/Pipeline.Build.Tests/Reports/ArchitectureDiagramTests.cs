using System.Text.RegularExpressions;
using Pipeline.Build.Reports;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Reports;

public sealed class ArchitectureDiagramTests
{
    static readonly string Root = RepositoryRoot.Find(AppContext.BaseDirectory);
    static readonly ServiceCatalog Catalog = ServiceCatalog.Load(Path.Combine(Root, "services"));

    static FixtureTemplates FromManifests(string imageTag = "3f2a9c1d0b7e") => new()
    {
        Environment = "dev",
        Services = Catalog.Services.Select(s => new FixtureService(s.Name, s.Port, s.Cpu, s.Memory, s.MinTasks, s.MaxTasks, ImageTag: imageTag, Uses: s.Uses)).ToList(),
    };

    static string Draw(FixtureTemplates templates) =>
        ArchitectureDiagram.ToMarkdown(ArchitectureReader.Read(templates.Documents()), "the dev environment (1 NAT gateway)");

    [Fact]
    public void The_diagram_contains_every_service_of_the_manifests_with_its_ports_and_routes()
    {
        var diagram = Draw(FromManifests());

        Catalog.Services.Should().NotBeEmpty();
        foreach (var service in Catalog.Services)
        {
            diagram.Should().Contain($"svc_{service.Name}[\"ECS service {service.Name}");
            diagram.Should().Contain($"alb_{service.Name}[\"ALB {service.Name}<br/>internal, listener :{service.Port}\"]");
            diagram.Should().Contain($"ANY {service.RoutePrefix}/{{proxy+}}");
            diagram.Should().Contain($"{service.MinTasks}–{service.MaxTasks} tasks");
            diagram.Should().Contain($"ECR apigw-dev/{service.Name}<br/>keeps last 5 images");
            diagram.Should().Contain($"alb_{service.Name} -->|\"target group :{service.Port}\"| svc_{service.Name}");
            foreach (var used in service.Uses.Select(u => Catalog.Services.Single(s => s.Name == u)))
                diagram.Should().Contain($"svc_{service.Name} -->|\"uses, to :{used.Port}\"| alb_{used.Name}");
        }
        Catalog.Services.Should().Contain(s => s.Uses.Count > 0, "the manifests have a service calling another");
    }

    [Fact]
    public void The_diagram_draws_the_shared_stack_once_and_one_subgraph_per_service_stack()
    {
        var diagram = Draw(FromManifests());

        diagram.Split('\n').Where(l => l.StartsWith("    subgraph ", StringComparison.Ordinal)).Should().Equal(
            ["    subgraph stack_apigw_dev_shared[\"stack apigw-dev-shared\"]",
             .. Catalog.Services.Select(s => $"    subgraph stack_apigw_dev_{s.Name}[\"stack apigw-dev-{s.Name}\"]"),
             "    subgraph stack_apigw_dev_registry[\"stack apigw-dev-registry\"]"]);
        var shared = Subgraph(diagram, "stack_apigw_dev_shared");
        foreach (var node in new[] { "subgraph vpc[", "nat[", "cluster1[", "api1[", "vpclink1[", "logs_shared1[", "logs_shared2[" })
            shared.Should().Contain(node);
        foreach (var service in Catalog.Services)
        {
            var stack = Subgraph(diagram, $"stack_apigw_dev_{service.Name}");
            foreach (var kind in new[] { "alb", "svc", "logs", "alarms" })
                Regex.Matches(stack, $@"\b{kind}_\w+(?=[\[{{])").Select(m => m.Value).Should().Equal([$"{kind}_{service.Name}"], "a service stack holds its own service's nodes only");
            stack.Should().Contain($"autoscaling {service.MinTasks}–{service.MaxTasks} tasks");
            Subgraph(diagram, "stack_apigw_dev_registry").Should().Contain($"ecr_{service.Name}[");
        }
    }

    [Fact]
    public void The_committed_architecture_document_names_every_service_of_the_manifests()
    {
        var committed = File.ReadAllText(Path.Combine(Root, "docs", "architecture.md"));

        committed.Should().StartWith(ArchitectureDiagram.Header);
        foreach (var service in Catalog.Services)
            committed.Should().Contain($"svc_{service.Name}[", $"{service.Name} is a service; run ./build.sh Diagram and commit docs/architecture.md");
    }

    [Fact]
    public void The_diagram_shows_the_network_and_the_path_from_client_to_service()
    {
        var diagram = Draw(FromManifests());

        diagram.Should().StartWith(ArchitectureDiagram.Header);
        diagram.Should().Contain("```mermaid\ngraph LR\n");
        diagram.Should().Contain("subgraph vpc[\"VPC 10.0.0.0/16\"]");
        diagram.Should().Contain("Public subnets × 2").And.Contain("Private subnets × 2");
        diagram.Should().Contain("nat[\"NAT gateway × 1<br/>1 Elastic IP\"]");
        diagram.Should().Contain("client --> api1").And.Contain("api1 --> vpclink1");
        diagram.Should().Contain("VPC flow logs<br/>7-day retention").And.Contain("API access logs<br/>7-day retention");
        diagram.Should().Contain("4 alarms");
    }

    [Fact]
    public void The_diagram_reads_the_same_whether_the_stacks_share_values_by_import_or_by_ssm_parameter()
    {
        var imported = FromManifests();
        var ssm = new FixtureTemplates { Environment = imported.Environment, Services = imported.Services, SsmParameters = true };

        Draw(ssm).Should().Be(Draw(imported));
    }

    [Fact]
    public void The_diagram_does_not_change_with_image_tags()
    {
        var first = Draw(FromManifests("3f2a9c1d0b7e"));
        var second = Draw(FromManifests("9b8c7d6e5f4a"));

        second.Should().Be(first);
        first.Should().NotContain("3f2a9c1d0b7e");
    }

    [Fact]
    public void A_third_service_appears_with_its_own_load_balancer_repository_and_logs()
    {
        var templates = FromManifests();
        templates.Services.Add(new FixtureService("worker", 9000, MinTasks: 1, MaxTasks: 1, LogRetentionDays: 30));

        var diagram = Draw(templates);

        Subgraph(diagram, "stack_apigw_dev_worker").Should().Contain("alb_worker[\"ALB worker<br/>internal, listener :9000\"]");
        diagram.Should().Contain("svc_worker[\"ECS service worker<br/>Fargate 0.25 vCPU, 0.5 GB<br/>1 tasks, container :9000\"]");
        diagram.Should().Contain("logs_worker[(\"Logs worker<br/>30-day retention\")]");
        diagram.Should().Contain("svc_worker -.->|\"pulls image\"| ecr_worker");
    }

    /// <summary>The lines of a top-level subgraph, from its <c>subgraph</c> line to its <c>end</c>.</summary>
    static string Subgraph(string diagram, string id)
    {
        var lines = diagram.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith($"    subgraph {id}[", StringComparison.Ordinal));
        start.Should().BeGreaterThanOrEqualTo(0, $"the diagram has a subgraph {id}");
        var end = Array.FindIndex(lines, start, l => l == "    end");
        return string.Join("\n", lines[start..(end + 1)]);
    }
}
