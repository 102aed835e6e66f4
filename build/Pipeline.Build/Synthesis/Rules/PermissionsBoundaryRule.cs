using System.Text.Json;
using Pipeline.Manifests;

namespace Pipeline.Build.Synthesis.Rules;

/// <summary>
/// Every role a template creates carries the environment's permissions boundary: the execution role could not create it
/// otherwise, and without it a template could make a role that does anything.
/// </summary>
public sealed class PermissionsBoundaryRule : ITemplateRule
{
    public string Id => "Pipeline-IAM7";

    public string Description => "Every IAM role has the environment's permissions boundary.";

    public IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources, TemplateContext context)
    {
        var boundary = DeploymentNames.PermissionsBoundary(context.Environment);
        foreach (var role in resources.Where(r => r.Type == "AWS::IAM::Role"))
        {
            var attached = role.Property("PermissionsBoundary") is { } value ? Flatten(value) : "";
            if (!attached.EndsWith($":policy/{boundary}", StringComparison.Ordinal))
                yield return new RuleViolation(Id, role.LogicalId,
                    (attached.Length == 0 ? "has no permissions boundary" : $"has permissions boundary {attached}, not the environment's") +
                    $". Every role needs policy/{boundary} (the CDK app applies it to every stack: infra/EnvironmentGuardrails.cs); " +
                    "the execution role refuses to create a role without it.");
        }
    }

    /// <summary>The boundary's ARN as text: a plain string, or the literal parts of an Fn::Join with the references as ${...}.</summary>
    static string Flatten(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Object when value.TryGetProperty("Fn::Join", out var join) && join.GetArrayLength() == 2 =>
            string.Join(join[0].GetString(), join[1].EnumerateArray().Select(Flatten)),
        JsonValueKind.Object when value.TryGetProperty("Ref", out var reference) => "${" + reference.GetString() + "}",
        _ => value.GetRawText(),
    };
}
