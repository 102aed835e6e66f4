using System.Text.Json;
using Pipeline.Build.Synthesis.Rules;
using Pipeline.Manifests;

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
        new RequestIdTracingRule(),
        new NoWildcardActionsRule(),
        new PermissionsBoundaryRule(),
        new VpcFlowLogsRule(),
        new RouteAuthorizationRule(),
        new SecretAccessRule(),
    ];

    /// <param name="context">Which stack the template is and the manifests it was synthesized from.</param>
    public static IReadOnlyList<RuleViolation> Check(JsonDocument template, TemplateContext context)
    {
        var resources = TemplateResource.All(template);
        return All.SelectMany(rule => rule.Check(resources, context)).ToList();
    }
}

/// <summary>
/// What a rule may need besides the template: the stack's name, the environment and the service manifests, so a service
/// stack is checked against what its own manifest declares (public paths, secrets).
/// </summary>
public sealed record TemplateContext(string StackName, string Environment, ServiceCatalog Catalog)
{
    /// <summary>The service whose stack this is (<c>apigw-&lt;env&gt;-&lt;service&gt;</c>); null for the registry and shared stacks.</summary>
    public ServiceManifest? Service =>
        Catalog.Services.FirstOrDefault(s => DeploymentNames.ServiceStack(Environment, s.Name) == StackName);

    /// <summary>Where a service's manifest lives, as the user sees the repository: <c>services/fastapi/service.json</c>.</summary>
    public static string ManifestPathOf(ServiceManifest service) => $"services/{service.Name}/{ServiceCatalog.ManifestFileName}";
}

/// <summary>A security rule over a synthesized template, in the spirit of cdk-nag's AwsSolutions pack.</summary>
public interface ITemplateRule
{
    /// <summary>Stable id, e.g. <c>Pipeline-EC23</c>, mirroring the AwsSolutions id it is modelled on.</summary>
    string Id { get; }

    string Description { get; }

    IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources, TemplateContext context);
}

/// <summary>One resource that breaks one security rule.</summary>
public sealed record RuleViolation(string RuleId, string LogicalId, string Message)
{
    public override string ToString() => $"{RuleId} {LogicalId}: {Message}";
}
