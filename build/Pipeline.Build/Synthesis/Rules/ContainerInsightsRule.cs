using System.Text.Json;

namespace Pipeline.Build.Synthesis.Rules;

/// <summary>Every ECS cluster has Container Insights on, so task CPU/memory and restarts are visible.</summary>
public sealed class ContainerInsightsRule : ITemplateRule
{
    public string Id => "Pipeline-ECS4";

    public string Description => "ECS clusters have Container Insights enabled.";

    public IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources, TemplateContext context) =>
        resources.Where(r => r.Type == "AWS::ECS::Cluster" && !InsightsOn(r))
            .Select(r => new RuleViolation(Id, r.LogicalId,
                "Container Insights is off. Set ClusterSettings containerInsights=enabled (CDK: ContainerInsights = true)."));

    static bool InsightsOn(TemplateResource cluster) =>
        cluster.Items("ClusterSettings").Any(setting =>
            setting.TryGetProperty("Name", out var name) && name.GetString() == "containerInsights" &&
            setting.TryGetProperty("Value", out var value) && value.ValueKind == JsonValueKind.String &&
            value.GetString() is "enabled" or "enhanced");
}
