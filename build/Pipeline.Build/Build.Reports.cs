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

    [Parameter("Cost: print the estimate as text or markdown (default text); markdown also goes to GITHUB_STEP_SUMMARY")]
    public ReportFormat Format { get; set; } = ReportFormat.Text;

    /// <summary>The profile whose AWS environment the local platform's reports and the committed diagram describe.</summary>
    internal const string ReferenceProfile = "dev";

    internal const string DefaultCostRegion = "us-east-1";

    internal string ArchitectureDocumentPath => Path.Combine(RootDirectory, "docs", "architecture.md");

    Target Cost => _ => _
        .Description("Estimate the monthly AWS cost per component from the synthesized templates (--format markdown for Markdown)")
        .Executes(async () =>
        {
            var log = new ConsoleStepLog();
            var scope = CostScope();
            if (scope.Reason is not null) log.Info(scope.Reason);
            var region = AwsRegion ?? DefaultCostRegion;
            if (AwsRegion is null) log.Info($"No --aws-region given: pricing {region}.");
            var prices = PriceBook.LoadFromRepository(RootDirectory).For(region);

            using var templates = await new ReportTemplateSource(RootDirectory).LoadAsync(scope, DryRun, log, CancellationToken.None);
            if (templates is null)
            {
                log.Info($"Dry run: would synthesize {scope.Subject} and estimate its monthly cost in {region}.");
                return;
            }
            var estimate = CostEstimator.Estimate(templates.Documents, prices, Usage());
            Console.Out.Write("\n" + CostReport.Render(estimate, scope.Subject, Format));

            var summary = Environment.GetEnvironmentVariable("GITHUB_STEP_SUMMARY");
            if (!string.IsNullOrEmpty(summary))
            {
                await File.AppendAllTextAsync(summary, CostReport.ToMarkdown(estimate, scope.Subject) + "\n");
                log.Info("Cost estimate added to the job summary.");
            }
        });

    Target Diagram => _ => _
        .Description($"Write docs/architecture.md (Mermaid) from the synthesized templates of the {ReferenceProfile} profile")
        .Executes(async () =>
        {
            var log = new ConsoleStepLog();
            var scope = ReferenceScope();
            using var templates = await new ReportTemplateSource(RootDirectory).LoadAsync(scope, DryRun, log, CancellationToken.None);
            if (templates is null)
            {
                log.Info($"Dry run: would synthesize {scope.Subject} and write docs/architecture.md.");
                return;
            }
            var content = ArchitectureDiagram.ToMarkdown(ArchitectureReader.Read(templates.Documents), scope.Subject);
            var current = File.Exists(ArchitectureDocumentPath) ? File.ReadAllText(ArchitectureDocumentPath) : null;
            if (current == content)
                log.Info("docs/architecture.md: up to date");
            else if (DryRun)
                log.Info($"docs/architecture.md: would be {(current is null ? "created" : "rewritten")}");
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(ArchitectureDocumentPath)!);
                await File.WriteAllTextAsync(ArchitectureDocumentPath, content);
                log.Info($"docs/architecture.md: {(current is null ? "created" : "rewritten")}");
            }
        });

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
        var path = Path.Combine(RootDirectory, ParametersDirectory, $"parameters.{ReferenceProfile}.json");
        var values = File.Exists(path) ? ParameterFile.Read(path, ParameterSource.Profile).Values : new Dictionary<string, IReadOnlyList<string>>();
        var environment = values.TryGetValue(nameof(DeployEnvironment), out var env) && env.Count == 1 ? env[0] : ReferenceProfile;
        var natGateways = 1;
        if (values.TryGetValue(nameof(NatGateways), out var nat) && nat.Count == 1 && !int.TryParse(nat[0], out natGateways))
            throw new PipelineException($"{path}: NatGateways '{nat[0]}' is not a whole number. Set it to 1 or 2.");
        return new ReportScope(environment, natGateways);
    }

    static decimal NonNegative(double value, string name) =>
        value >= 0 && double.IsFinite(value)
            ? (decimal)value
            : throw new PipelineException($"Parameter {name} is {value}; a usage assumption must be zero or more. Pass a non-negative number.");
}
