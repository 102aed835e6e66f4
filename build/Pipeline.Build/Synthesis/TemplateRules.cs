using System.Text.Json;
using Pipeline.Build.Synthesis.Rules;

namespace Pipeline.Build.Synthesis;

/// <summary>The security rule suite every synthesized template must pass before it is deployed.</summary>
public static class TemplateRules
{
    public static IReadOnlyList<ITemplateRule> All { get; } =
    [
        new NoOpenIngressRule(),
        new NoPlaintextSecretsRule(),
        new ContainerInsightsRule(),
        new ContainerLoggingRule(),
        new PrivateRepositoryRule(),
        new ApiAccessLoggingRule(),
        new NoWildcardActionsRule(),
        new VpcFlowLogsRule(),
    ];

    public static IReadOnlyList<RuleViolation> Check(JsonDocument template)
    {
        var resources = TemplateResource.All(template);
        return All.SelectMany(rule => rule.Check(resources)).ToList();
    }
}

/// <summary>A security rule over a synthesized template, in the spirit of cdk-nag's AwsSolutions pack.</summary>
public interface ITemplateRule
{
    /// <summary>Stable id, e.g. <c>Pipeline-EC23</c>, mirroring the AwsSolutions id it is modelled on.</summary>
    string Id { get; }

    string Description { get; }

    IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources);
}

/// <summary>One resource that breaks one security rule.</summary>
public sealed record RuleViolation(string RuleId, string LogicalId, string Message)
{
    public override string ToString() => $"{RuleId} {LogicalId}: {Message}";
}
