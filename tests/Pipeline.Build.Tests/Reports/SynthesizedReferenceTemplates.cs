using Pipeline.Build.Reports;
using Pipeline.Build.Synthesis;
using Pipeline.Build.Tests.TestSupport;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Reports;

/// <summary>
/// The reference profile's templates, synthesized once for the test class by the real CDK app
/// (built into a folder of its own so parallel test runs and the pipeline do not share one).
/// </summary>
public sealed class SynthesizedReferenceTemplates : IAsyncLifetime
{
    readonly string workDirectory = Path.Combine(Path.GetTempPath(), $"report-synth-{Guid.NewGuid():N}");

    public static string Root { get; } = RepositoryRoot.Find(AppContext.BaseDirectory);

    public ReportScope Scope { get; } = new Build { RootDirectory = Root }.ReferenceScope();

    SynthesizedTemplates? templates;

    public SynthesizedTemplates Templates =>
        templates ?? throw new InvalidOperationException("node is not on PATH: the CDK app cannot synthesize. Install Node.js 20+ (CI must have it).");

    public async Task InitializeAsync()
    {
        if (Requirements.Tool("node") is not null)
            return; // each test then fails (under CI) or is skipped by ToolFact("node")
        var outDirectory = Path.Combine(workDirectory, "cdk.out");
        var synthesizer = new StackSynthesizer(Root, Path.Combine(workDirectory, "app"));
        var request = new SynthRequest(Scope.Environment, Scope.NatGateways, null, new Dictionary<string, string>(), outDirectory);
        await synthesizer.SynthesizeAsync(request, dryRun: false, new SilentStepLog(), CancellationToken.None);
        templates = SynthesizedTemplates.Read(outDirectory);
    }

    public Task DisposeAsync()
    {
        templates?.Dispose();
        if (Directory.Exists(workDirectory))
            Directory.Delete(workDirectory, recursive: true);
        return Task.CompletedTask;
    }
}
