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

    /// <summary>
    /// Services from the manifests; AWS environments are the profiles whose Platform is aws. A push deploys dev (or the first
    /// AWS profile), then promotes dev's verified images to prod when there is a prod profile.
    /// </summary>
    internal DeployWorkflowSpec WorkflowSpec()
    {
        var awsProfiles = AwsProfiles();
        if (awsProfiles.Count == 0)
            throw new PipelineException($"No AWS profile in {ProfileFiles.Directory}/: add a parameters.<name>.json with \"Platform\": \"aws\".");
        var pushEnvironment = awsProfiles.Contains("dev") ? "dev" : awsProfiles[0];
        var promoteEnvironment = awsProfiles.Contains("prod") && pushEnvironment != "prod" ? "prod" : null;
        return new DeployWorkflowSpec([.. Catalog.Names], awsProfiles, pushEnvironment)
        {
            PromoteEnvironment = promoteEnvironment,
            TestTimeoutMinutes = (int)Math.Ceiling(TestRunBound.TotalMinutes),
            PreviewTimeoutMinutes = (int)Math.Ceiling(SetupAndBuildAllowance.TotalMinutes),
            DeployTimeoutMinutes = JobTimeoutMinutes(pushEnvironment),
            VerifyTimeoutMinutes = VerifyJobTimeoutMinutes(pushEnvironment),
            PromoteTimeoutMinutes = promoteEnvironment is null ? 0 : JobTimeoutMinutes(promoteEnvironment),
            RedeployTimeoutMinutes = awsProfiles.Max(JobTimeoutMinutes),
        };
    }

    /// <summary>The test suite's budget on a fresh machine: what CI gives <c>.ci/setup &amp;&amp; ./build.sh Test</c>.</summary>
    internal static readonly TimeSpan TestRunBound = TimeSpan.FromMinutes(90);

    /// <summary>Verify waits only for the health check: its bound for the profile, plus setup.</summary>
    internal int VerifyJobTimeoutMinutes(string profile) =>
        (int)Math.Ceiling((ProfileDuration(profile, nameof(HealthTimeout), DefaultHealthTimeout) + SetupAndBuildAllowance).TotalMinutes);

    /// <summary>Room a CI job needs beyond the pipeline's own waits: checkout, SDK and tool setup, image builds and pushes.</summary>
    internal static readonly TimeSpan SetupAndBuildAllowance = TimeSpan.FromMinutes(20);

    /// <summary>
    /// A job bound that never cuts the pipeline off in the middle of a wait it would itself end cleanly: the busy-stack
    /// wait, the stack operation wait, the rollout and the health check of the profile, plus setup and builds.
    /// </summary>
    internal int JobTimeoutMinutes(string profile)
    {
        var stacks = new Aws.StackDeployerOptions();
        var total = stacks.BusyWait + stacks.OperationWait + ProfileDuration(profile, nameof(RolloutTimeout), DefaultRolloutTimeout) +
                    ProfileDuration(profile, nameof(HealthTimeout), DefaultHealthTimeout) + SetupAndBuildAllowance;
        return (int)Math.Ceiling(total.TotalMinutes);
    }

    TimeSpan ProfileDuration(string profile, string parameter, TimeSpan fallback) =>
        Profiles.ValueOf(profile, parameter) is { } raw
            ? (TimeSpan)ValueConverter.Convert([raw], typeof(TimeSpan), parameter, null)!
            : fallback;
}
