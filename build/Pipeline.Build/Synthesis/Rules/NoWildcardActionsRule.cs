namespace Pipeline.Build.Synthesis.Rules;

/// <summary>Policies we create grant named actions only; <c>*</c> or <c>service:*</c> hides what a role can really do.</summary>
public sealed class NoWildcardActionsRule : ITemplateRule
{
    public string Id => "Pipeline-IAM5";

    public string Description => "IAM policies we create allow no wildcard actions.";

    public IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources, TemplateContext context)
    {
        foreach (var resource in resources)
            foreach (var document in PolicyStatements.DocumentsOf(resource))
                foreach (var statement in PolicyStatements.Of(document).Where(s => s.Allows))
                    foreach (var action in statement.Actions.Where(a => a.Contains('*')))
                        yield return new RuleViolation(Id, resource.LogicalId,
                            $"allows wildcard action '{action}'. List the actions the role needs.");
    }
}
