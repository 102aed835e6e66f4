using Pipeline.Build.Engine;
using Pipeline.Build.Synthesis;

namespace Pipeline.Build.Reports;

/// <summary>
/// Gets the templates the Cost and Diagram reports read, on any platform: it runs the SynthInfra step
/// itself into a folder of its own (<c>artifacts/reports/cdk.out/&lt;env&gt;</c>), so a report never
/// disturbs the templates a deploy uses, and the synth stamp makes a repeated report instant.
/// </summary>
public sealed class ReportTemplateSource(string repositoryRoot, string? appDirectory = null)
{
    public string OutDirectory(string environment) =>
        Path.Combine(Path.GetFullPath(repositoryRoot), "artifacts", "reports", "cdk.out", environment);

    /// <returns>The templates, or null on a dry run when no earlier synth left any to read.</returns>
    public async Task<SynthesizedTemplates?> LoadAsync(ReportScope scope, bool dryRun, IStepLog log, CancellationToken ct)
    {
        var outDirectory = OutDirectory(scope.Environment);
        var synthesizer = new StackSynthesizer(repositoryRoot, appDirectory);
        // Reports need no image tags: the templates' shape does not depend on them.
        var request = new SynthRequest(scope.Environment, scope.NatGateways, null, new Dictionary<string, string>(), outDirectory);
        var result = await synthesizer.SynthesizeAsync(request, dryRun, log, ct);
        if (result.Outcome == SynthOutcome.DryRun)
        {
            if (!SynthesizedTemplates.ExistIn(outDirectory))
                return null;
            log.Info($"Dry run: reading the templates of the last report synth in {outDirectory}; they may be out of date.");
        }
        return SynthesizedTemplates.Read(outDirectory);
    }
}

/// <summary>Which environment a report describes, and why that one (shown to the user when it was not asked for).</summary>
public sealed record ReportScope(string Environment, int NatGateways, string? Reason = null)
{
    public string Subject => $"the {Environment} environment ({NatGateways} NAT gateway{(NatGateways == 1 ? "" : "s")})";
}
