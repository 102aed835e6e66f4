using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Reports;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Diff;

/// <summary>
/// The Diff step: what a Deploy would change in an AWS environment, stack by stack, like <c>cdk diff</c>. Plans with the
/// same <see cref="StackPlanner"/> DeployInfra deploys with, compares with the deployed stacks and templates, and names the
/// commit each replaced image tag was built from (from the deploy history). Reads only.
/// </summary>
public sealed class EnvironmentDiff(AwsContext aws, StackPlanner plans)
{
    string Subject => $"environment {aws.Environment} ({aws.Connection.Region})";

    /// <summary>Compares, reports in <paramref name="format"/> (the log for text, standard output for Markdown) and to the CI job summary.</summary>
    /// <returns>How many stacks a Deploy would change.</returns>
    public async Task<int> ShowAsync(IReadOnlyList<ServiceImage> images, ReportFormat format, TextWriter output, IStepLog log, CancellationToken ct)
    {
        var diffs = await CompareAsync(images, log, ct);
        if (format == ReportFormat.Markdown)
            await output.WriteAsync("\n" + StackDiffReport.ToMarkdown(diffs, Subject));
        else
            foreach (var line in StackDiffReport.ToText(diffs, Subject))
                log.Info(line);
        if (await ContinuousIntegration.AppendToJobSummaryAsync(StackDiffReport.ToMarkdown(diffs, Subject) + "\n", ct))
            log.Info("Diff added to the job summary.");
        return diffs.Count(d => d.HasChanges);
    }

    public async Task<IReadOnlyList<StackDiff>> CompareAsync(IReadOnlyList<ServiceImage> images, IStepLog log, CancellationToken ct)
    {
        // The zones a Deploy would choose (ec2:DescribeAvailabilityZones), so the shared stack is compared as a Deploy would synthesize it.
        var zones = await aws.ChooseZonesAsync(ct);
        log.Info($"zones of the VPC: {zones.Describe()}");
        var deployed = await aws.CloudFormation.DescribeAllStacksAsync(ct);
        var planned = await plans.AllAsync(images, deployed, log, ct);

        // Deployed image tags that a Deploy would replace: the deploy history says which commit each was built from.
        var replacedTags = new List<(string Service, string Tag)>();
        foreach (var plan in planned)
            if (plan.Parameters.GetValueOrDefault(DeploymentNames.ImageTagParameter(plan.Label)) is { } tag &&
                deployed.GetValueOrDefault(plan.StackName)?.Parameters.GetValueOrDefault(DeploymentNames.ImageTagParameter(plan.Label)) is { } current &&
                current != tag)
                replacedTags.Add((plan.Label, current));
        var commits = await StackDiffHistory.CommitsAsync(aws.Connection, aws.Environment, replacedTags, log, ct);
        var provenance = new ImageProvenance(await ImageProvenance.CheckoutCommitAsync(aws.Settings.RootDirectory, ct),
            (service, tag) => commits.GetValueOrDefault((service, tag)));

        return await new StackDiffer(aws.CloudFormation).DiffAsync(planned, deployed, provenance, ct);
    }
}
