using Pipeline.Build.Reports;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Reports;

/// <summary>Reports over the real CDK app's templates. Needs node: skipped without it, failing under CI=true.</summary>
[Trait("Needs", "node")]
public sealed class SynthesizedTemplateReportTests(SynthesizedReferenceTemplates synthesized) : IClassFixture<SynthesizedReferenceTemplates>
{
    [ToolFact("node")]
    public void Committed_architecture_document_equals_a_fresh_generation()
    {
        var fresh = ArchitectureDiagram.ToMarkdown(ArchitectureReader.Read(synthesized.Templates.Stacks), synthesized.Scope.Subject);
        var path = Path.Combine(SynthesizedReferenceTemplates.Root, "docs", "architecture.md");

        File.Exists(path).Should().BeTrue("docs/architecture.md must be committed; run ./build.sh Diagram");
        File.ReadAllText(path).Should().Be(fresh, "docs/architecture.md is stale; run ./build.sh Diagram and commit it");
    }

    [ToolFact("node")]
    public void The_real_templates_price_every_service_of_the_manifests_and_leave_only_the_dashboard_container_insights_and_the_token_client_unpriced()
    {
        var catalog = ServiceCatalog.Load(Path.Combine(SynthesizedReferenceTemplates.Root, "services"));

        var estimate = CostEstimator.Estimate(synthesized.Templates.Stacks, KnownPrices.Table, UsageAssumptions.Default);

        foreach (var service in catalog.Services)
        {
            var perTask = 730 * (service.Cpu / 1024m * 0.04048m + service.Memory / 1024m * 0.004445m);
            estimate.Lines.Should().ContainSingle(l => l.Component == $"Fargate {service.Name}")
                .Which.Should().Match<CostLine>(l => l.Minimum == service.MinTasks * perTask && l.Maximum == service.MaxTasks * perTask);
            estimate.Lines.Should().Contain(l => l.Component == $"ALB {service.Name}" && l.Service == service.Name);
            estimate.Lines.Should().Contain(l => l.Component.StartsWith("ECR ", StringComparison.Ordinal) && l.Service == service.Name);
            estimate.Lines.Should().Contain(l => l.Component == $"Logs {service.Name}");
            estimate.Lines.Should().Contain(l => l.Component == $"Alarms {service.Name}");
        }
        estimate.Lines.Should().Contain(l => l.Component == "NAT gateway hours" && l.Minimum == synthesized.Scope.NatGateways * 730 * 0.045m);
        estimate.Lines.Should().Contain(l => l.Component == "VPC Link");
        estimate.Lines.Should().Contain(l => l.Component.StartsWith("HTTP API ", StringComparison.Ordinal));
        // Each depends on use: the dashboard on the account's other dashboards and the routes, Container Insights on the running
        // tasks, the Cognito machine client on the tokens requested.
        estimate.NotPriced.Select(t => t.Type).Should().Equal(["AWS::CloudWatch::Dashboard", "AWS::Cognito::UserPoolClient", "AWS::ECS::Cluster (Container Insights)"]);
        estimate.NotPriced.Single(t => t.Type == "AWS::CloudWatch::Dashboard").Reason.Should().Contain("detailed metrics");
        estimate.NotPriced.Single(t => t.Type == "AWS::Cognito::UserPoolClient").Reason.Should().Contain("per token request");
        estimate.ServiceAlbs.Count.Should().Be(catalog.Services.Count, "each service stack has an internal ALB of its own");
    }

    [ToolFact("node")]
    public void The_real_templates_attach_every_services_routes_to_the_shared_api_and_keep_each_service_in_its_own_stack()
    {
        var catalog = ServiceCatalog.Load(Path.Combine(SynthesizedReferenceTemplates.Root, "services"));
        var environment = synthesized.Scope.Environment;

        var architecture = ArchitectureReader.Read(synthesized.Templates.Stacks);

        var api = architecture.Apis.Should().ContainSingle().Subject;
        api.Stack.Should().Be(DeploymentNames.SharedStack(environment));
        foreach (var service in catalog.Services)
        {
            var stack = DeploymentNames.ServiceStack(environment, service.Name);
            api.Routes.Where(r => r.Service == service.Name).Select(r => (r.RouteKey, r.Stack, r.ThroughVpcLink)).Should().BeEquivalentTo(
                HttpApiRoutes.For(service).Select(r => (r.RouteKey, stack, true)));
            architecture.Services.Single(s => s.Name == service.Name).Should().Match<ServiceLayout>(s => s.Stack == stack && s.Uses.SequenceEqual(service.Uses));
        }
        api.Routes.Should().OnlyContain(r => r.Service != null);
    }

    [ToolFact("node")]
    public void The_real_diagram_has_one_subgraph_for_the_shared_stack_and_one_per_service_stack()
    {
        var catalog = ServiceCatalog.Load(Path.Combine(SynthesizedReferenceTemplates.Root, "services"));
        var environment = synthesized.Scope.Environment;

        var flowchart = ArchitectureDiagram.Flowchart(ArchitectureReader.Read(synthesized.Templates.Stacks));

        string[] stacks = [DeploymentNames.SharedStack(environment), .. catalog.Services.Select(s => DeploymentNames.ServiceStack(environment, s.Name))];
        foreach (var stack in stacks.Append(DeploymentNames.RegistryStack(environment)))
            flowchart.Split('\n').Should().ContainSingle(l => l.StartsWith("    subgraph ", StringComparison.Ordinal) && l.EndsWith($"[\"stack {stack}\"]", StringComparison.Ordinal));
    }
}
