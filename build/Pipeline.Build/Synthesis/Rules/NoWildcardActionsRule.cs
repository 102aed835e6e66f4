using System.Text.Json;

namespace Pipeline.Build.Synthesis.Rules;

/// <summary>Policies we create grant named actions only; <c>*</c> or <c>service:*</c> hides what a role can really do.</summary>
public sealed class NoWildcardActionsRule : ITemplateRule
{
    public string Id => "Pipeline-IAM5";

    public string Description => "IAM policies we create allow no wildcard actions.";

    public IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources, TemplateContext context)
    {
        foreach (var resource in resources)
            foreach (var document in PolicyDocuments(resource))
                foreach (var statement in PolicyStatements.Of(document).Where(s => s.Allows))
                    foreach (var action in statement.Actions.Where(a => a.Contains('*')))
                        yield return new RuleViolation(Id, resource.LogicalId,
                            $"allows wildcard action '{action}'. List the actions the role needs.");
    }

    static IEnumerable<JsonElement> PolicyDocuments(TemplateResource resource)
    {
        switch (resource.Type)
        {
            case "AWS::IAM::Policy":
            case "AWS::IAM::ManagedPolicy":
                if (resource.Property("PolicyDocument") is { } document)
                    yield return document;
                break;
            case "AWS::IAM::Role":
            case "AWS::IAM::User":
            case "AWS::IAM::Group":
                foreach (var inline in resource.Items("Policies"))
                    if (inline.TryGetProperty("PolicyDocument", out var inlineDocument))
                        yield return inlineDocument;
                break;
        }
    }
}
