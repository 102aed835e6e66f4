using System.Text.Json;
using Pipeline.Build.Infra.Rules;

namespace Pipeline.Build.Infra;

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
