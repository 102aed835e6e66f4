namespace Pipeline.Build.Synthesis.Rules;

/// <summary>Images stay private: no public ECR repository, no repository policy that lets anyone pull.</summary>
public sealed class PrivateRepositoryRule : ITemplateRule
{
    public string Id => "Pipeline-ECR1";

    public string Description => "ECR repositories are not public.";

    public IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources, TemplateContext context)
    {
        foreach (var resource in resources)
        {
            if (resource.Type == "AWS::ECR::PublicRepository")
                yield return new RuleViolation(Id, resource.LogicalId,
                    "is a public ECR repository. Use a private AWS::ECR::Repository.");
            else if (resource.Type == "AWS::ECR::Repository" &&
                     resource.Property("RepositoryPolicyText") is { } policy &&
                     PolicyStatements.Of(policy).Any(s => s.Allows && s.HasAnyonePrincipal))
                yield return new RuleViolation(Id, resource.LogicalId,
                    "its repository policy allows Principal '*'. Name the accounts or roles that may pull.");
        }
    }
}
