using Pipeline.Build.Engine;
using Pipeline.Build.Workflows;

namespace Pipeline.Build;

/// <summary>The GitHub Actions workflows, generated from the services and profiles of this repository.</summary>
public sealed partial class Build
{
    internal string WorkflowsDirectory => Path.Combine(RootDirectory, ".github", "workflows");

    Target GenerateWorkflows => _ => _
        .Description("Write .github/workflows/*.yml from the services and the AWS profiles")
        .Executes(() =>
        {
            var log = new ConsoleStepLog();
            foreach (var (name, content) in GitHubWorkflowWriter.Generate(WorkflowSpec()))
            {
                var path = Path.Combine(WorkflowsDirectory, name);
                var current = File.Exists(path) ? File.ReadAllText(path) : null;
                if (current == content)
                {
                    log.Info($".github/workflows/{name}: up to date");
                    continue;
                }
                if (DryRun)
                {
                    log.Info($".github/workflows/{name}: would be {(current is null ? "created" : "rewritten")}");
                    continue;
                }
                Directory.CreateDirectory(WorkflowsDirectory);
                File.WriteAllText(path, content);
                log.Info($".github/workflows/{name}: {(current is null ? "created" : "rewritten")}");
            }
        });

    /// <summary>Services from the manifests; AWS environments are the profiles whose Platform is aws.</summary>
    internal DeployWorkflowSpec WorkflowSpec()
    {
        var awsProfiles = AwsProfiles();
        if (awsProfiles.Count == 0)
            throw new PipelineException($"No AWS profile in {ParametersDirectory}/: add a parameters.<name>.json with \"Platform\": \"aws\".");
        var pushEnvironment = awsProfiles.Contains("dev") ? "dev" : awsProfiles[0];
        return new DeployWorkflowSpec([.. Catalog.Names], awsProfiles, pushEnvironment);
    }
}
