namespace Pipeline.Build.Infra;

/// <summary>A security rule over a synthesized template, in the spirit of cdk-nag's AwsSolutions pack.</summary>
public interface ITemplateRule
{
    /// <summary>Stable id, e.g. <c>Pipeline-EC23</c>, mirroring the AwsSolutions id it is modelled on.</summary>
    string Id { get; }

    string Description { get; }

    IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources);
}
