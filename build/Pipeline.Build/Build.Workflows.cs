using Pipeline.Build.Engine;
using Pipeline.Build.Workflows;

namespace Pipeline.Build;

/// <summary>The GitHub Actions workflows, generated from the services and profiles of this repository.</summary>
public sealed partial class Build
{
    internal string WorkflowsDirectory => Path.Combine(RootDirectory, ".github", "workflows");

    Target GenerateWorkflows => _ => _
        .Description("Write .github/workflows/*.yml from the services and the AWS profiles")
        .Executes(async () =>
        {
            foreach (var (name, content) in GitHubWorkflowWriter.Generate(WorkflowSpec()))
                await GeneratedFile.WriteAsync(Path.Combine(WorkflowsDirectory, name), $".github/workflows/{name}", content, DryRun, Log, Cancellation);
        });

    /// <summary>Services from the manifests; AWS environments are the profiles whose Platform is aws.</summary>
    internal DeployWorkflowSpec WorkflowSpec()
    {
        var awsProfiles = AwsProfiles();
        if (awsProfiles.Count == 0)
            throw new PipelineException($"No AWS profile in {ProfileFiles.Directory}/: add a parameters.<name>.json with \"Platform\": \"aws\".");
        var pushEnvironment = awsProfiles.Contains("dev") ? "dev" : awsProfiles[0];
        return new DeployWorkflowSpec([.. Catalog.Names], awsProfiles, pushEnvironment);
    }
}
