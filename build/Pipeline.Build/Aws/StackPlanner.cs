using System.Globalization;
using System.Text.Json;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Synthesis;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws;

/// <summary>
/// The stacks a Deploy brings to the synthesized state, in deploy order: registry, shared, one per service, each with its
/// template and planned parameters. Synthesizes once per run (writes only under artifacts/) and reads AWS only for a
/// deployed service's live desired count: DeployInfra deploys these plans and Diff compares them, so what Diff shows is
/// what a Deploy does.
/// </summary>
public sealed class StackPlanner(AwsContext aws)
{
    SynthResult? synthesized;
    IReadOnlyList<string> synthesizedZones = [];

    DeploySettings Settings => aws.Settings;

    /// <summary>The templates of this run, once synthesized.</summary>
    public SynthResult? Synthesized => synthesized;

    public async Task<SynthResult> SynthesizeAsync(IStepLog log, CancellationToken cancellation)
    {
        var zoneIds = aws.ZoneIdsForSynthesis;
        // Once the run has chosen the zones, templates synthesized before that (without them) are stale.
        if (synthesized is not null && synthesizedZones.SequenceEqual(zoneIds, StringComparer.Ordinal))
            return synthesized;
        synthesizedZones = zoneIds;
        if (zoneIds.Count > 0 && aws.Zones is null && Settings.AvailabilityZoneIds.Count == 0)
            log.Info($"{aws.SharedStack}: subnets in {string.Join(", ", zoneIds)}, the first zones of {aws.Region} that support HTTP API VPC links " +
                     "(the VPC-link guide's table); a Deploy checks them against the account's zones first.");
        if (zoneIds.Count == 0)
            log.Warn($"{aws.SharedStack}: no zone IDs known (AvailabilityZoneIds is unset, no region is configured and this run has not read the region's zones), so its subnets " +
                     "take the region's first zones (Fn::GetAZs), which may include one where HTTP API VPC links are not supported. Deploy, Diff and " +
                     $"Preflight choose the zones first; to pin them here too, set AvailabilityZoneIds in {Settings.ParametersFile}.");
        return synthesized = await new StackSynthesizer(Settings.RootDirectory).SynthesizeAsync(
            new SynthRequest(aws.Environment, Settings.NatGateways, aws.Region, new Dictionary<string, string>(),
                Path.Combine(Settings.ArtifactsDirectory, "cdk.out", aws.Environment))
            {
                AvailabilityZoneIds = zoneIds,
                KeepDeployedImages = Settings.KeepDeployedImages,
                JwtIssuer = Settings.JwtIssuer,
                JwtAudience = Settings.JwtAudience,
                McpCallbackUrls = Settings.McpCallbackUrls,
                AlarmEmail = Settings.AlarmEmail,
                AlarmHttpsEndpoint = Settings.AlarmHttpsEndpoint,
                DeletionProtection = Settings.DeletionProtection,
                Strategy = Settings.StrategyOverride,
                BakeTimeMinutes = Settings.BakeTimeOverride,
            },
            // Synthesis writes only under artifacts/, so a dry run synthesizes too: the change sets need the templates.
            dryRun: false, log, cancellation);
    }

    /// <summary>Every stack of the environment, registry first (what Diff compares).</summary>
    /// <param name="deployed">The environment's stacks (DescribeAllStacks); read only when a service stack is deployed (its live desired count).</param>
    public async Task<IReadOnlyList<StackPlan>> AllAsync(IReadOnlyList<ServiceImage> images, IReadOnlyDictionary<string, StackDescription> deployed,
        IStepLog log, CancellationToken cancellation)
    {
        var synth = await SynthesizeAsync(log, cancellation);
        return [RegistryPlan(synth), .. EnvironmentPlans(synth, images, deployed)];
    }

    public StackPlan RegistryPlan(SynthResult synth) =>
        new(aws.RegistryStack, "registry", synth.RegistryTemplatePath, new Dictionary<string, string>(), StackTags, []);

    /// <summary>The shared stack, then one stack per service after the stacks it depends on.</summary>
    public IReadOnlyList<StackPlan> EnvironmentPlans(SynthResult synth, IReadOnlyList<ServiceImage> images, IReadOnlyDictionary<string, StackDescription> deployed)
    {
        var plans = new List<StackPlan> { new(aws.SharedStack, "shared", synth.SharedTemplatePath, new Dictionary<string, string>(), StackTags, []) };
        foreach (var service in Settings.Catalog.Services)
        {
            var image = images.FirstOrDefault(i => i.Service.Name == service.Name) ?? throw new PipelineException(
                $"No image tag for {service.Name}: Deploy deploys every service. Run ./build.sh Deploy without --service.");
            var templatePath = synth.ServiceTemplatePath(service.Name);
            var declaresCapacity = TemplateDeclares(templatePath, DeploymentNames.DesiredCountParameter(service.Name));
            plans.Add(new StackPlan(aws.ServiceStack(service.Name), service.Name, templatePath,
                new Dictionary<string, string> { [DeploymentNames.ImageTagParameter(service.Name)] = image.Tag }, StackTags,
                [aws.SharedStack, .. service.Uses.Select(aws.ServiceStack)])
            {
                LiveParameters = ct => CapacityParametersAsync(service, deployed, declaresCapacity, ct),
            });
        }
        return plans;
    }

    /// <summary>
    /// The desired-count parameter of a service stack set to the count the service runs with now
    /// (<see cref="DeployedEnvironment.DesiredCountAsync"/>); nothing when the stack's template does not declare it.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> CapacityParametersAsync(
        ServiceManifest service, IReadOnlyDictionary<string, StackDescription> deployed, bool declared, CancellationToken ct)
    {
        if (!declared)
            return new Dictionary<string, string>();
        var count = await aws.Deployed(deployed).DesiredCountAsync(service, new EcsClient(aws.Connection, aws.Http), ct);
        return new Dictionary<string, string> { [DeploymentNames.DesiredCountParameter(service.Name)] = count.ToString(CultureInfo.InvariantCulture) };
    }

    /// <summary>What a stack that does not exist yet would hold, read from its template (a dry run cannot make its change set).</summary>
    public static void DescribeNewStack(StackPlan plan, IStepLog log)
    {
        using var template = JsonDocument.Parse(File.ReadAllText(plan.TemplatePath));
        var resources = TemplateResource.All(template);
        log.Info($"{plan.Label}: stack {plan.StackName} would be created with {resources.Count} resources, " +
                 $"parameters {string.Join(", ", plan.Parameters.Select(p => $"{p.Key}={p.Value}"))}:");
        foreach (var byType in resources.GroupBy(r => r.Type).OrderBy(g => g.Key, StringComparer.Ordinal))
            log.Info($"{plan.Label}:   + {byType.Count(),3} {byType.Key}");
    }

    /// <summary>
    /// An environment deployed before the stack-per-service layout has everything in one <c>apigw-&lt;env&gt;-app</c>
    /// stack. Deploying the new stacks next to it would create a second VPC, API and set of services: a half-moved mix.
    /// </summary>
    public void RefuseLegacyLayout(IReadOnlyDictionary<string, StackDescription> deployed)
    {
        var legacy = DeploymentNames.AppStack(aws.Environment);
        if (!deployed.TryGetValue(legacy, out var stack))
            return;
        var environment = aws.Environment;
        throw new PipelineException(
            $"Environment {environment} was deployed with the earlier layout: everything in stack {legacy} ({stack.Status}). This version deploys " +
            $"{aws.SharedStack} plus one stack per service, and will not deploy them next to {legacy}. Nothing was changed. To move the environment " +
            $"(the services are down between the two steps, and the HTTP API gets a new endpoint, because the API belongs to the stack being deleted):\n" +
            $"  aws cloudformation delete-stack --stack-name {legacy}\n" +
            $"  aws cloudformation wait stack-delete-complete --stack-name {legacy}\n" +
            $"  ./build.sh Deploy --profile <profile of {environment}>\n" +
            $"The registry stack {aws.RegistryStack} and its images stay as they are. To keep serving meanwhile, deploy the new layout as another " +
            "environment first (--deploy-environment), move your clients to its endpoint, then delete the old stack.");
    }

    IReadOnlyDictionary<string, string> StackTags => new Dictionary<string, string>
    {
        [DeploymentNames.EnvironmentTag] = aws.Environment,
        ["apigw:managed-by"] = "pipeline",
    };

    static bool TemplateDeclares(string templatePath, string parameter)
    {
        using var template = JsonDocument.Parse(File.ReadAllText(templatePath));
        return template.RootElement.TryGetProperty("Parameters", out var parameters) && parameters.TryGetProperty(parameter, out _);
    }
}
