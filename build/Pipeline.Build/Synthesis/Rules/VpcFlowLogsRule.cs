using System.Text.Json;

namespace Pipeline.Build.Synthesis.Rules;

/// <summary>Every VPC records its traffic, so a rejected or unexpected connection can be investigated.</summary>
public sealed class VpcFlowLogsRule : ITemplateRule
{
    public string Id => "Pipeline-VPC7";

    public string Description => "Every VPC has a flow log.";

    public IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources, TemplateContext context)
    {
        var logged = resources
            .Where(r => r.Type == "AWS::EC2::FlowLog")
            .Select(r => r.Property("ResourceId"))
            .Where(id => id is { ValueKind: JsonValueKind.Object } && id.Value.TryGetProperty("Ref", out _))
            .Select(id => id!.Value.GetProperty("Ref").GetString())
            .ToHashSet(StringComparer.Ordinal);

        return resources.Where(r => r.Type == "AWS::EC2::VPC" && !logged.Contains(r.LogicalId))
            .Select(r => new RuleViolation(Id, r.LogicalId,
                "has no flow log. Add an AWS::EC2::FlowLog on it (CDK: VpcProps.FlowLogs)."));
    }
}
