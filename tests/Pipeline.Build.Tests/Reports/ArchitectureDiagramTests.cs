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
        Services = Catalog.Services.Select(s => new FixtureService(s.Name, s.Port, s.Cpu, s.Memory, s.MinTasks, s.MaxTasks, ImageTag: imageTag)).ToList(),
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

        diagram.Should().Contain("alb_worker[\"ALB worker<br/>internal, listener :9000\"]");
        diagram.Should().Contain("svc_worker[\"ECS service worker<br/>Fargate 0.25 vCPU, 0.5 GB<br/>1 tasks, container :9000\"]");
        diagram.Should().Contain("logs_worker[(\"Logs worker<br/>30-day retention\")]");
        diagram.Should().Contain("svc_worker -.->|\"pulls image\"| ecr_worker");
    }
}
