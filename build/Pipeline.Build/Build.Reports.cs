using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Reports;

namespace Pipeline.Build;

/// <summary>Reports derived from the synthesized templates: the monthly cost estimate and the architecture diagram.</summary>
public sealed partial class Build
{
    [Parameter("Cost: requests per month through each HTTP API (default 1000000)")]
    public double RequestsPerMonth { get; set; } = 1_000_000;

    [Parameter("Cost: GB per month processed by the NAT gateways (default 10)")]
    public double DataTransferGb { get; set; } = 10;

    [Parameter("Cost: GB of logs ingested per month by each log group (default 5)")]
    public double LogIngestionGb { get; set; } = 5;

    [Parameter("Cost: GB stored in each ECR repository, about 5 kept images (default 0.5)")]
    public double EcrStorageGb { get; set; } = 0.5;

    [Parameter("Cost: average load balancer capacity units (LCU) used by each ALB (default 1)")]
    public double AlbLcu { get; set; } = 1;

    [Parameter("Cost: print the estimate as text or markdown (default text); markdown also goes to GITHUB_STEP_SUMMARY. History: text, markdown or json. Logs: text or json (one object per line)")]
    public ReportFormat Format { get; set; } = ReportFormat.Text;

    /// <summary>The profile whose AWS environment the local platform's reports and the committed diagram describe.</summary>
    internal const string ReferenceProfile = "dev";

    internal const string DefaultCostRegion = "us-east-1";

    internal string ArchitectureDocumentPath => Path.Combine(RootDirectory, "docs", "architecture.md");

    Target Cost => _ => _
        .Description("Estimate the monthly AWS cost per component from the synthesized templates (--format markdown for Markdown)")
        .Executes(EstimateCostAsync);

    Target Diagram => _ => _
        .Description($"Write docs/architecture.md (Mermaid) from the synthesized templates of the {ReferenceProfile} profile")
        .Executes(DrawDiagramAsync);

    async Task EstimateCostAsync()
    {
        var scope = CostScope();
        if (scope.Reason is not null) Log.Info(scope.Reason);
        var region = AwsRegion ?? DefaultCostRegion;
        if (AwsRegion is null) Log.Info($"No --aws-region given: pricing {region}.");
        var prices = PriceBook.LoadFromRepository(RootDirectory).For(region);

        using var templates = await new ReportTemplateSource(RootDirectory).LoadAsync(scope, DryRun, Log, Cancellation);
        if (templates is null)
        {
            Log.Info($"Dry run: would synthesize {scope.Subject} and estimate its monthly cost in {region}.");
            return;
        }
        var estimate = CostEstimator.Estimate(templates.Stacks, prices, Usage());
        Console.Out.Write("\n" + CostReport.Render(estimate, scope.Subject, Format));

        if (await ContinuousIntegration.AppendToJobSummaryAsync(CostReport.ToMarkdown(estimate, scope.Subject) + "\n", Cancellation))
            Log.Info("Cost estimate added to the job summary.");
    }

    async Task DrawDiagramAsync()
    {
        var scope = ReferenceScope();
        using var templates = await new ReportTemplateSource(RootDirectory).LoadAsync(scope, DryRun, Log, Cancellation);
        if (templates is null)
        {
            Log.Info($"Dry run: would synthesize {scope.Subject} and write docs/architecture.md.");
            return;
        }
        var content = ArchitectureDiagram.ToMarkdown(ArchitectureReader.Read(templates.Stacks), scope.Subject);
        await GeneratedFile.WriteAsync(ArchitectureDocumentPath, "docs/architecture.md", content, DryRun, Log, Cancellation);
    }

    internal UsageAssumptions Usage() => new()
    {
        RequestsPerMonth = NonNegative(RequestsPerMonth, nameof(RequestsPerMonth)),
        DataTransferGb = NonNegative(DataTransferGb, nameof(DataTransferGb)),
        LogIngestionGb = NonNegative(LogIngestionGb, nameof(LogIngestionGb)),
        EcrStorageGb = NonNegative(EcrStorageGb, nameof(EcrStorageGb)),
        AlbLcu = NonNegative(AlbLcu, nameof(AlbLcu)),
    };

    /// <summary>On AWS, the environment being deployed; locally there is no bill, so the reference profile's AWS environment.</summary>
    internal ReportScope CostScope() =>
        Platform == PlatformKind.Aws
            ? new ReportScope(DeployEnvironment, NatGateways)
            : ReferenceScope() with
            {
                Reason = $"Platform is local, which has no AWS bill: estimating the AWS environment of the {ReferenceProfile} profile instead.",
            };

    /// <summary>Environment and NAT count of <c>.nuke/parameters.dev.json</c> (dev and 1 when the file does not say).</summary>
    internal ReportScope ReferenceScope()
    {
        var environment = Profiles.ValueOf(ReferenceProfile, nameof(DeployEnvironment)) ?? ReferenceProfile;
        var nat = Profiles.ValueOf(ReferenceProfile, nameof(NatGateways));
        var natGateways = 1;
        if (nat is not null && !int.TryParse(nat, out natGateways))
            throw new PipelineException($"{Profiles.PathOf(ReferenceProfile)}: NatGateways '{nat}' is not a whole number. Set it to 1 or 2.");
        return new ReportScope(environment, natGateways);
    }

    static decimal NonNegative(double value, string name) =>
        value >= 0 && double.IsFinite(value)
            ? (decimal)value
            : throw new PipelineException($"Parameter {name} is {value}; a usage assumption must be zero or more. Pass a non-negative number.");
}
