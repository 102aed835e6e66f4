using Pipeline.Manifests;

namespace Pipeline.Build.Infra;

/// <summary>Where the templates are and whether this run produced them.</summary>
public sealed record SynthResult(string OutDirectory, string Environment, SynthOutcome Outcome, string InputHash)
{
    public string RegistryStackName => DeploymentNames.RegistryStack(Environment);

    public string AppStackName => DeploymentNames.AppStack(Environment);

    public string RegistryTemplatePath => TemplatePath(RegistryStackName);

    public string AppTemplatePath => TemplatePath(AppStackName);

    public string TemplatePath(string stackName) => Path.Combine(OutDirectory, stackName + ".template.json");
}
