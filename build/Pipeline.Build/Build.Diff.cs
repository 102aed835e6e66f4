using Pipeline.Build.Aws.Diff;
using Pipeline.Build.Engine;
using Pipeline.Build.Reports;

namespace Pipeline.Build;

/// <summary>Diff: what a Deploy would change in the AWS environment, stack by stack, like <c>cdk diff</c>; read-only (Aws/Diff/).</summary>
public sealed partial class Build
{
    [Parameter("Diff: exit 1 when a Deploy would change anything (a CI gate); without it Diff exits 0")]
    public bool FailOnChange { get; set; }

    Target Diff => _ => _
        .Description("Show what a Deploy would change per stack: resources (replacements marked), parameters and image tags, access it widens; reads only (--fail-on-change for CI)")
        .Requires(AwsEnvironment("compares an AWS environment with what a Deploy would make of it"))
        .Executes(DiffAsync);

    async Task DiffAsync()
    {
        if (DryRun)
        {
            Log.Info($"Dry run: would read the region's zones (DescribeAvailabilityZones), synthesize {DeployEnvironment}, compute the image tags, read the deployed stacks and templates (DescribeStacks, GetTemplate) " +
                     "and print what a Deploy would change. Diff changes nothing either way.");
            return;
        }
        var changed = await new EnvironmentDiff(AwsContext, StackPlanner).ShowAsync(await ImagesAsync(), Format, Console.Out, Log, Cancellation);
        if (FailOnChange && changed > 0)
            throw new PipelineException($"--fail-on-change: a Deploy would change {changed} stack{(changed == 1 ? "" : "s")} of {DeployEnvironment} (listed above).");
    }

    /// <summary>Called from <see cref="ValidateInvocation"/>: what Diff cannot run with.</summary>
    void ValidateDiffInvocation(IReadOnlyCollection<string> invokedTargets)
    {
        if (!invokedTargets.Contains(nameof(Diff), StringComparer.OrdinalIgnoreCase))
            return;
        if (Service != AllServices)
            throw new PipelineException($"Diff compares every stack of the environment, as Deploy deploys every service, so --service {Service} does not apply. Run ./build.sh Diff --profile <profile>.");
        if (Format == ReportFormat.Json)
            throw new PipelineException("Diff prints text or markdown: --format text (the default) or --format markdown.");
    }
}
