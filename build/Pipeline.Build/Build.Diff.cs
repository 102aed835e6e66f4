using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Reports;
using Pipeline.Manifests;
using Pipeline.Build.Aws.Diff;

namespace Pipeline.Build;

/// <summary>Diff: what a Deploy would change in the AWS environment, stack by stack, like <c>cdk diff</c>; read-only.</summary>
public sealed partial class Build
{
    [Parameter("Diff: exit 1 when a Deploy would change anything (a CI gate); without it Diff exits 0")]
    public bool FailOnChange { get; set; }

    Target Diff => _ => _
        .Description("Show what a Deploy would change per stack: resources (replacements marked), parameters and image tags, access it widens; reads only (--fail-on-change for CI)")
        .Executes(DiffAsync);

    async Task DiffAsync()
    {
        if (Platform != PlatformKind.Aws)
            throw new PipelineException(
                $"Diff compares an AWS environment with what a Deploy would make of it, and {(Profile is null ? "the default profile" : $"profile '{Profile}'")} deploys to the " +
                $"{Platform.ToString().ToLowerInvariant()} platform. Name an AWS profile: {string.Join(" or ", AwsProfiles().Select(p => $"./build.sh Diff --profile {p}"))}.");
        if (Service != AllServices)
            throw new PipelineException($"Diff compares every stack of the environment, as Deploy deploys every service, so --service {Service} does not apply. Run ./build.sh Diff --profile <profile>.");
        if (Format == ReportFormat.Json)
            throw new PipelineException("Diff prints text or markdown: --format text (the default) or --format markdown.");
        if (DryRun)
        {
            Log.Info($"Dry run: would synthesize {DeployEnvironment}, compute the image tags, read the deployed stacks and templates (DescribeStacks, GetTemplate) " +
                     "and print what a Deploy would change. Diff changes nothing either way.");
            return;
        }

        var aws = (AwsPlatform)PlatformSteps();
        var images = await ImagesAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var connection = AwsConnection.FromEnvironment(AwsRegion, AwsProfile);
        var cloudFormation = new CloudFormationClient(connection, http);
        var deployed = await cloudFormation.DescribeAllStacksAsync(Cancellation);
        var plans = await aws.StackPlansAsync(images, deployed, Log, Cancellation);

        // Deployed image tags that a Deploy would replace: the deploy history says which commit each was built from.
        var replacedTags = new List<(string Service, string Tag)>();
        foreach (var plan in plans)
            if (plan.Parameters.GetValueOrDefault(DeploymentNames.ImageTagParameter(plan.Label)) is { } planned &&
                deployed.GetValueOrDefault(plan.StackName)?.Parameters.GetValueOrDefault(DeploymentNames.ImageTagParameter(plan.Label)) is { } current &&
                current != planned)
                replacedTags.Add((plan.Label, current));
        var commits = await StackDiffHistory.CommitsAsync(connection, DeployEnvironment, replacedTags, Log, Cancellation);
        var provenance = new ImageProvenance(await ImageProvenance.CheckoutCommitAsync(RootDirectory, Cancellation),
            (service, tag) => commits.GetValueOrDefault((service, tag)));

        var diffs = await new StackDiffer(cloudFormation).DiffAsync(plans, deployed, provenance, Cancellation);
        var subject = $"environment {DeployEnvironment} ({connection.Region})";
        if (Format == ReportFormat.Markdown)
            Console.Out.Write("\n" + StackDiffReport.ToMarkdown(diffs, subject));
        else
            foreach (var line in StackDiffReport.ToText(diffs, subject))
                Log.Info(line);

        var summary = Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY");
        if (!string.IsNullOrEmpty(summary))
        {
            // A file is not the masked console: mask here.
            await File.AppendAllTextAsync(summary, SecretMasker.Apply(StackDiffReport.ToMarkdown(diffs, subject)) + "\n", Cancellation);
            Log.Info("Diff added to the job summary.");
        }

        var changed = diffs.Count(d => d.HasChanges);
        if (FailOnChange && changed > 0)
            throw new PipelineException($"--fail-on-change: a Deploy would change {changed} stack{(changed == 1 ? "" : "s")} of {DeployEnvironment} (listed above).");
    }
}
