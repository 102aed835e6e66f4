using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Synthesis;

/// <summary>
/// The SynthInfra step: builds the CDK app if its sources changed, runs it for one environment,
/// checks every template against <see cref="TemplateRules"/> and stamps the out folder, so an unchanged
/// input set skips the whole thing next time.
/// </summary>
public sealed class StackSynthesizer
{
    public const string StampFileName = ".synth-stamp";
    const string InfraAppAssembly = "Pipeline.Infra.dll";
    // Bump when the synth command line or stamp layout changes, so old stamps stop matching.
    const string StampFormat = "synth-v5";

    readonly string repositoryRoot;
    readonly OwnProject app;

    /// <param name="repositoryRoot">Folder that holds Pipeline.sln, infra/ and services/.</param>
    /// <param name="appDirectory">Where the built CDK app goes; default <c>artifacts/infra-app</c>.</param>
    public StackSynthesizer(string repositoryRoot, string? appDirectory = null)
    {
        this.repositoryRoot = Path.GetFullPath(repositoryRoot);
        // Everything compiled into the CDK app: infra/ and the manifest library, plus the central build settings.
        app = new OwnProject(this.repositoryRoot, "infra/Pipeline.Infra.csproj", ["infra", "build/Pipeline.Manifests"],
            appDirectory ?? Path.Combine(this.repositoryRoot, "artifacts", "infra-app"));
    }

    string ServicesDirectory => Path.Combine(repositoryRoot, "services");

    public string AppAssemblyPath => Path.Combine(app.OutputDirectory, InfraAppAssembly);

    public async Task<SynthResult> SynthesizeAsync(SynthRequest request, bool dryRun, IStepLog log, CancellationToken ct)
    {
        var outDirectory = Path.GetFullPath(request.OutDirectory);
        var hash = InputHash(request);
        var catalog = ServiceCatalog.Load(ServicesDirectory);
        var result = new SynthResult(outDirectory, request.Environment, SynthOutcome.Synthesized, hash, catalog.Names.ToList());
        // Limits known from the manifests alone fail before the CDK app runs.
        TemplateLimits.CheckManifests(request.Environment, catalog.Services);

        if (IsUpToDate(result))
        {
            log.Info($"Infrastructure templates for {request.Environment} are up to date (inputs {Short(hash)} unchanged): skipped synth.");
            // Rules may have changed since the stamp was written; checking costs milliseconds.
            CheckTemplates(result, catalog, log, countResources: false);
            return result with { Outcome = SynthOutcome.UpToDate };
        }

        var appStale = !app.IsCurrent(InfraAppAssembly);
        if (dryRun)
        {
            log.Info($"Would {(appStale ? "build the CDK app, then " : "")}synthesize {result.Describe()} into {outDirectory} (inputs {Short(hash)}).");
            return result with { Outcome = SynthOutcome.DryRun };
        }

        RequireNode();
        if (appStale)
        {
            log.Info($"Building the CDK app into {app.OutputDirectory}");
            await app.BuildAsync(log, ct);
        }

        ClearPreviousOutput(outDirectory);
        await RunAppAsync(request, outDirectory, log, ct);
        CheckTemplates(result, catalog, log, countResources: true);

        await File.WriteAllTextAsync(Path.Combine(outDirectory, StampFileName), hash, ct);
        log.Info($"Synthesized {result.Describe()} into {outDirectory}; security rules and CloudFormation limits passed.");
        return result;
    }

    /// <summary>
    /// Runs <see cref="TemplateRules"/> and <see cref="TemplateLimits"/> over every template of <paramref name="result"/>;
    /// throws a <see cref="PipelineException"/> listing every violation. Optionally logs resource counts.
    /// </summary>
    /// <param name="catalog">The manifests the templates were synthesized from: rules check a service stack against its own.</param>
    public static void CheckTemplates(SynthResult result, ServiceCatalog catalog, IStepLog log, bool countResources)
    {
        var violations = new List<RuleViolation>();
        var limits = new TemplateLimits(result.Environment);
        foreach (var stack in result.StackNames)
        {
            var path = result.TemplatePath(stack);
            if (!File.Exists(path))
                throw new PipelineException($"Template {path} is missing. Check the synth output above; the stack names come from Pipeline.Manifests/DeploymentNames.cs.");
            var text = File.ReadAllText(path);
            using var template = JsonDocument.Parse(text);
            if (countResources)
                LogResourceCounts(stack, template, log);
            limits.Add(stack, text, template);
            violations.AddRange(TemplateRules.Check(template, new TemplateContext(stack, result.Environment, catalog))
                .Select(v => v with { LogicalId = $"{stack}/{v.LogicalId}" }));
        }
        limits.ThrowIfExceeded();
        if (violations.Count > 0)
            throw new PipelineException(
                $"The synthesized templates break {violations.Count} security rule(s):\n  " +
                string.Join("\n  ", violations) +
                "\nFix the constructs under infra/ and run SynthInfra again; nothing was deployed.");
    }

    /// <summary>SHA-256 over the CDK app's sources, the service manifests and the request's parameters.</summary>
    public string InputHash(SynthRequest request)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => sha.AppendData(Encoding.UTF8.GetBytes(text + "\n"));

        Add(StampFormat);
        foreach (var file in app.SourceFiles().Concat(ManifestFiles()))
        {
            Add(Path.GetRelativePath(repositoryRoot, file).Replace('\\', '/'));
            Add(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))));
        }
        Add("environment=" + request.Environment);
        Add("nat-gateways=" + request.NatGateways.ToString(CultureInfo.InvariantCulture));
        Add("region=" + (request.Region ?? ""));
        Add("keep-deployed-images=" + request.KeepDeployedImages.ToString(CultureInfo.InvariantCulture));
        Add("jwt-issuer=" + (request.JwtIssuer ?? ""));
        Add("jwt-audience=" + (request.JwtAudience ?? ""));
        foreach (var url in request.McpCallbackUrls)
            Add("mcp-callback-url=" + url);
        Add("alarm-email=" + (request.AlarmEmail ?? ""));
        Add("alarm-https-endpoint=" + (request.AlarmHttpsEndpoint ?? ""));
        Add("deletion-protection=" + (request.DeletionProtection ? "true" : "false"));
        foreach (var zone in request.AvailabilityZoneIds)
            Add("availability-zone-id=" + zone);
        Add("strategy=" + (request.Strategy ?? ""));
        Add("bake-time=" + (request.BakeTimeMinutes?.ToString(CultureInfo.InvariantCulture) ?? ""));
        foreach (var (service, tag) in request.ImageTags.OrderBy(p => p.Key, StringComparer.Ordinal))
            Add($"image {service}={tag}");
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }

    bool IsUpToDate(SynthResult result)
    {
        var stamp = Path.Combine(result.OutDirectory, StampFileName);
        return File.Exists(stamp) &&
               File.ReadAllText(stamp).Trim() == result.InputHash &&
               result.StackNames.All(stack => File.Exists(result.TemplatePath(stack)));
    }

    IEnumerable<string> ManifestFiles() =>
        Directory.Exists(ServicesDirectory)
            ? Directory.GetDirectories(ServicesDirectory)
                .Select(d => Path.Combine(d, "service.json"))
                .Where(File.Exists)
                .OrderBy(f => f, StringComparer.Ordinal)
            : [];

    async Task RunAppAsync(SynthRequest request, string outDirectory, IStepLog log, CancellationToken ct)
    {
        var arguments = new List<string>
        {
            AppAssemblyPath,
            "--out", outDirectory,
            "--environment", request.Environment,
            "--nat-gateways", request.NatGateways.ToString(CultureInfo.InvariantCulture),
            "--stack", "all",
            "--services-dir", ServicesDirectory,
            "--keep-deployed-images", request.KeepDeployedImages.ToString(CultureInfo.InvariantCulture),
            // Always passed, so the templates say ACTIVE or INACTIVE, true or false: a deploy with it off lifts it.
            "--deletion-protection", request.DeletionProtection ? "true" : "false",
        };
        if (request.Region is not null)
            arguments.AddRange(["--region", request.Region]);
        // The profile's identity provider (else the shared stack runs a Cognito issuer) and whom the alarm topic notifies.
        if (request.JwtIssuer is not null)
            arguments.AddRange(["--jwt-issuer", request.JwtIssuer]);
        if (request.JwtAudience is not null)
            arguments.AddRange(["--jwt-audience", request.JwtAudience]);
        // The interactive Cognito client's redirect URIs; none: the CDK app's defaults (the common MCP clients').
        foreach (var url in request.McpCallbackUrls)
            arguments.AddRange(["--mcp-callback-url", url]);
        if (request.AlarmEmail is not null)
            arguments.AddRange(["--alarm-email", request.AlarmEmail]);
        if (request.AlarmHttpsEndpoint is not null)
            arguments.AddRange(["--alarm-https-endpoint", request.AlarmHttpsEndpoint]);
        foreach (var (service, tag) in request.ImageTags.OrderBy(p => p.Key, StringComparer.Ordinal))
            arguments.AddRange(["--image", $"{service}={tag}"]);
        // In subnet order: the first ID is the first zone's.
        foreach (var zone in request.AvailabilityZoneIds)
            arguments.AddRange(["--availability-zone-id", zone]);
        // This run's --strategy and --bake-time, for every service; without them each manifest's deployment stands.
        if (request.Strategy is not null)
            arguments.AddRange(["--strategy", request.Strategy]);
        if (request.BakeTimeMinutes is { } bakeTime)
            arguments.AddRange(["--bake-time", bakeTime.ToString(CultureInfo.InvariantCulture)]);

        log.Info($"Synthesizing the stacks of {request.Environment}");
        var output = await ChildProcess.RunAsync(
            OwnProject.DotnetHost(),
            arguments,
            repositoryRoot,
            // The CDK app sets these for itself too; passed here so the synth is quiet however the app is built.
            JsiiEnvironment.Variables,
            (line, _) =>
            {
                if (line.StartsWith("warning:", StringComparison.Ordinal)) log.Warn(line["warning:".Length..].Trim());
                else log.Detail(line);
            },
            ct);
        if (output.ExitCode != 0)
        {
            var reason = output.StandardError.LastOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal)) ?? $"exit code {output.ExitCode}";
            throw new PipelineException($"The CDK app could not synthesize {request.Environment}: {reason}. See the output above; fix the manifest or parameter it names.");
        }
    }

    static void ClearPreviousOutput(string outDirectory)
    {
        Directory.CreateDirectory(outDirectory);
        // Only what the CDK app writes: the out folder may be one the user chose.
        foreach (var file in Directory.EnumerateFiles(outDirectory))
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith(".template.json", StringComparison.Ordinal) ||
                name is "manifest.json" or "cdk.out" or "tree.json" or StampFileName)
                File.Delete(file);
        }
    }

    static void RequireNode()
    {
        if (ChildProcess.FindOnPath("node") is null)
            throw new PipelineException("Synthesizing the infrastructure needs Node.js (the CDK runs its constructs in node), and 'node' is not on PATH. Install Node.js 20 or later, then run SynthInfra again.");
    }

    static void LogResourceCounts(string stack, JsonDocument template, IStepLog log)
    {
        var resources = TemplateResource.All(template);
        var most = resources.GroupBy(r => r.Type).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First();
        log.Info($"{stack}: {resources.Count} resources (most: {most.Count()} {most.Key})");
    }

    static string Short(string hash) => hash[..12];
}

public enum SynthOutcome
{
    /// <summary>The CDK app ran and the templates passed the security rules.</summary>
    Synthesized,

    /// <summary>Sources, manifests and parameters equal the last successful synth; the templates on disk are current.</summary>
    UpToDate,

    /// <summary>Dry run: nothing was built or written.</summary>
    DryRun,
}

/// <summary>
/// What to synthesize: the environment and its NAT profile, the region (recorded), the zone IDs of the VPC (the only
/// thing that ties a template to a region), the immutable image tag per service and the folder the templates go to.
/// </summary>
public sealed record SynthRequest(
    string Environment,
    int NatGateways,
    string? Region,
    IReadOnlyDictionary<string, string> ImageTags,
    string OutDirectory)
{
    /// <summary>The pipeline's default for <see cref="KeepDeployedImages"/>, as the CDK app's.</summary>
    public const int DefaultKeepDeployedImages = 10;

    /// <summary>How many recent successful deploys' images the ECR lifecycle policy never expires (--keep-deployed-images).</summary>
    public int KeepDeployedImages { get; init; } = DefaultKeepDeployedImages;

    /// <summary>The profile's identity provider (<c>JwtIssuer</c>); null: the shared stack runs a Cognito issuer of its own.</summary>
    public string? JwtIssuer { get; init; }

    /// <summary>The audience tokens of <see cref="JwtIssuer"/> carry for this API (<c>JwtAudience</c>).</summary>
    public string? JwtAudience { get; init; }

    /// <summary>Redirect URIs of the Cognito app client for interactive MCP clients (<c>McpCallbackUrls</c>); empty: the CDK app's defaults.</summary>
    public IReadOnlyList<string> McpCallbackUrls { get; init; } = [];

    /// <summary>Subscribed to the alarm topic (<c>AlarmEmail</c>).</summary>
    public string? AlarmEmail { get; init; }

    /// <summary>Subscribed to the alarm topic (<c>AlarmHttpsEndpoint</c>).</summary>
    public string? AlarmHttpsEndpoint { get; init; }

    /// <summary>The user pool and the ALBs are protected from deletion (<c>DeletionProtection</c>, on in prod's profile).</summary>
    public bool DeletionProtection { get; init; }
    /// <summary>
    /// The zone IDs of the VPC's subnets, in subnet order (checked or chosen by the run); empty: the templates take the
    /// region's first zones (<c>Fn::GetAZs</c>), as a SynthInfra without credentials and without the setting does.
    /// </summary>
    public IReadOnlyList<string> AvailabilityZoneIds { get; init; } = [];

    /// <summary>This run's <c>--strategy</c> for every service (<c>DeploySettings.StrategyOverride</c>); null: each manifest's <c>deployment.strategy</c>.</summary>
    public string? Strategy { get; init; }

    /// <summary>This run's <c>--bake-time</c> in minutes for every service (<c>DeploySettings.BakeTimeOverride</c>); null: each manifest's.</summary>
    public int? BakeTimeMinutes { get; init; }
}

/// <summary>Where the templates are and whether this run produced them.</summary>
public sealed record SynthResult(string OutDirectory, string Environment, SynthOutcome Outcome, string InputHash, IReadOnlyList<string> Services)
{
    public string RegistryStackName => DeploymentNames.RegistryStack(Environment);

    public string SharedStackName => DeploymentNames.SharedStack(Environment);

    public string ServiceStackName(string service) => DeploymentNames.ServiceStack(Environment, service);

    /// <summary>Registry, shared, then one stack per service.</summary>
    public IReadOnlyList<string> StackNames => [RegistryStackName, SharedStackName, .. Services.Select(ServiceStackName)];

    public string RegistryTemplatePath => TemplatePath(RegistryStackName);

    public string SharedTemplatePath => TemplatePath(SharedStackName);

    public string ServiceTemplatePath(string service) => TemplatePath(ServiceStackName(service));

    public string TemplatePath(string stackName) => Path.Combine(OutDirectory, stackName + ".template.json");

    /// <summary>e.g. "apigw-dev-registry, apigw-dev-shared and 2 service stacks".</summary>
    public string Describe() => $"{RegistryStackName}, {SharedStackName} and {Services.Count} service stack{(Services.Count == 1 ? "" : "s")}";
}
