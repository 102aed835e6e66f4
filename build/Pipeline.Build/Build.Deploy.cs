using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Build.Local;
using Pipeline.Build.Reports;
using Pipeline.Manifests;

namespace Pipeline.Build;

/// <summary>The Deploy and Redeploy chains. Each target calls one step; the platform decides what the step means.</summary>
public sealed partial class Build
{
    Target BuildImages => _ => _
        .Description("Build the selected services' images; a service whose content tag exists already is not rebuilt")
        .OnlyWhenStatic(() => PromoteFrom is null or "")
        .Executes(BuildImagesAsync);

    Target PushImages => _ => _
        .Description("Push the images the registry does not have yet (only missing layers travel); with --promote-from, copy the promoted images by digest instead")
        .DependsOn(BuildImages)
        .Executes(async () => await (Promotes ? PromoteImagesAsync() : PlatformSteps().PushImagesAsync(await ImagesAsync(), Log, Cancellation)));

    Target SynthInfra => _ => _
        .Description("Synthesize the CDK app into CloudFormation templates under artifacts/cdk.out/<env>; needs neither Docker nor AWS credentials")
        .After(PushImages)
        .OnlyWhenStatic(() => Platform == PlatformKind.Aws)
        .Executes(async () =>
        {
            // In a Deploy whose image steps are skipped, the checks (and the zones synthesis uses) come first here.
            await CheckBeforeDeployAsync();
            await PlatformSteps().SynthesizeAsync(Log, Cancellation);
        });

    Target DeployInfra => _ => _
        .Description("Bring the platform to the synthesized state: change sets on AWS, the gateway locally")
        .DependsOn(SynthInfra, PushImages)
        .Executes(async () => await PlatformSteps().DeployInfraAsync(await ImagesAsync(), Log, Cancellation));

    Target UpdateServices => _ => _
        .Description("Roll the selected services to their new images and wait for steady state")
        .DependsOn(PushImages)
        .After(DeployInfra)
        .Executes(async () => await PlatformSteps().UpdateServicesAsync(await ImagesAsync(), IsRedeploy, Log, Cancellation));

    Target HealthCheck => _ => _
        .Description("Call each selected service's health route through the gateway; check it serves the version just deployed")
        .DependsOn(UpdateServices)
        .Executes(CheckHealthAsync);

    Target Deploy => _ => _
        .Description("Build, push, deploy infrastructure, roll the services and check their health")
        .DependsOn(DeployInfra, HealthCheck)
        .HoldsForTheRun(EnvironmentLock)
        .Executes(() => PlatformSteps().SummarizeAsync(Log, Cancellation));

    Target Redeploy => _ => _
        .Description("Rebuild, push, roll and check only --service (no infrastructure change)")
        .DependsOn(HealthCheck)
        .HoldsForTheRun(EnvironmentLock);

    IDeploymentPlatform? platform;
    List<ServiceImage>? builtImages;

    /// <summary>The compiler and MSBuild servers the run's host publishes share; the ones the run started end with it.</summary>
    readonly DotnetBuildServers buildServers = new();

    /// <summary>Redeploy rolls its service even when the image is unchanged; Deploy rolls only what changed.</summary>
    bool IsRedeploy => InvokedTargets.Contains(nameof(Redeploy), StringComparer.OrdinalIgnoreCase);

    internal IDeploymentPlatform PlatformSteps() => platform ??= Platform switch
    {
        PlatformKind.Aws => new AwsPlatform(AwsContext, StackPlanner, JobFacts),
        _ => new LocalPlatform(Settings),
    };

    internal DeploySettings Settings => new()
    {
        RootDirectory = RootDirectory,
        ArtifactsDirectory = ArtifactsDirectory,
        Catalog = Catalog,
        Environment = DeployEnvironment,
        DryRun = DryRun,
        Registry = Registry,
        RegistryUsername = RegistryUsername,
        RegistryPassword = RegistryPassword,
        BaseImageRegistry = BaseImageRegistry,
        AwsRegion = AwsRegion,
        AwsProfile = AwsProfile,
        ExecutionRole = CfnExecutionRole,
        NatGateways = NatGateways,
        GatewayPort = GatewayPort,
        LocalAuthAutoApprove = LocalAuthAutoApprove,
        HealthUrl = HealthUrl,
        HealthTimeout = HealthTimeout,
        RolloutTimeout = RolloutTimeout,
        MaxParallel = MaxParallel,
        KeepDeployedImages = KeepDeployedImages,
        JwtIssuer = JwtIssuer,
        JwtAudience = JwtAudience,
        McpCallbackUrls = McpCallbackUrls ?? [],
        AlarmEmail = AlarmEmail,
        AlarmHttpsEndpoint = AlarmHttpsEndpoint,
        DeletionProtection = DeletionProtection,
        AvailabilityZoneIds = AvailabilityZoneIds ?? [],
        AwsAccount = AwsAccount,
        Profile = Profile,
        StrategyOverride = Strategy,
        BakeTimeOverride = BakeTime,
        LocalMinute = LocalMinute,
    };

    async Task BuildImagesAsync()
    {
        await CheckBeforeDeployAsync();
        var destination = await PlatformSteps().ImageDestinationAsync(Cancellation);
        Log.Info($"images go to {destination.Describe()}");
        using var engine = new DockerEngine();
        using var registry = new RegistryClient();
        var results = await new ImageBuilder(engine, registry, buildServers).BuildAsync(await ImagesAsync(), new ImageBuildOptions
        {
            BaseImageRegistry = BaseImageRegistry,
            DryRun = DryRun,
            CheckRegistry = destination.IsRegistry && destination.RepositoriesExist,
            RegistryCredentials = destination.Credentials,
        }, Log, Cancellation);
        builtImages = results.Select(r => r.Image).ToList();
    }

    async Task CheckHealthAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var health = await new HealthChecker(http) { DryRun = DryRun }.CheckAsync(await PlatformSteps().HealthBaseUrlAsync(Cancellation),
            (await ImagesAsync()).Select(i => (i.Service, i.Tag)).ToList(), HealthTimeout, Log, Cancellation);
        // The deploy record and the CI job summary say which version each service answered with.
        JobFacts.Health = health;
    }

    /// <summary>The selected services' images, tagged by content (with digests once built or found).</summary>
    async Task<IReadOnlyList<ServiceImage>> ImagesAsync()
    {
        if (builtImages is not null) return builtImages;
        await CheckBeforeDeployAsync();
        if (Promotes) return builtImages = [.. await PromotedImagesAsync()];
        var destination = await PlatformSteps().ImageDestinationAsync(Cancellation);
        using var engine = new DockerEngine();
        return builtImages = [.. await ImageTagger.ImagesForAsync(SelectedServices, destination.RepositoryRoot,
            new ImageBuildOptions { BaseImageRegistry = BaseImageRegistry, DryRun = DryRun, Pull = Pull, ImageBuild = ImageBuild }, engine, Log, Cancellation)];
    }

    bool checkedBeforeDeploy;

    /// <summary>
    /// Once per run, before the first step of the chain touches anything (BuildImages, or whichever step comes first when
    /// it is skipped): the platform's own checks, e.g. on AWS the account's cheap preflight (region, caller, zones) and
    /// that every declared secret exists.
    /// </summary>
    async Task CheckBeforeDeployAsync()
    {
        if (checkedBeforeDeploy) return;
        checkedBeforeDeploy = true;
        // Diff reads images too; it changes nothing, so nothing can fail halfway.
        if (!IsRedeploy && !InvokedTargets.Contains(nameof(Deploy), StringComparer.OrdinalIgnoreCase)) return;
        await PlatformSteps().CheckBeforeDeployAsync(IsRedeploy ? nameof(Redeploy) : nameof(Deploy), SelectedServices, Log, Cancellation);
    }

    /// <summary>
    /// A Deploy or Redeploy is recorded once it is over, with how it ended, never before its health check: the record its start
    /// wrote (running) is completed.
    /// </summary>
    protected internal override async Task OnFinishedAsync(string outcome, TimeSpan duration, CancellationToken cancellation)
    {
        try
        {
            await RecordOutcomeAsync(outcome, duration, cancellation);
        }
        finally
        {
            // However the recording went: no compiler or MSBuild server this run started outlives it.
            await buildServers.ShutDownStartedAsync(Log, cancellation);
        }
    }

    async Task RecordOutcomeAsync(string outcome, TimeSpan duration, CancellationToken cancellation)
    {
        if (platform is null) return;
        if (outcome == Aws.History.Outcomes.Cancelled && RecordedTarget is { } interrupted)
            await platform.ReportInterruptedAsync(CommandFor(interrupted), Log, cancellation);
        var target = IsRedeploy ? nameof(Redeploy) : InvokedTargets.Contains(nameof(Deploy), StringComparer.OrdinalIgnoreCase) ? nameof(Deploy) : null;
        if (target is not null)
            await platform.RecordAsync(target, builtImages ?? [], outcome, duration, Log, cancellation);
        // A Rollback records itself; any run whose own record was not written (it stopped before) ends its started record here.
        await platform.CompleteStartedRecordAsync(outcome, duration, Log, cancellation);
    }

    protected internal override void ValidateInvocation(IReadOnlyCollection<string> invokedTargets)
    {
        // Before anything uses the name: a bad one would otherwise fail deep inside a step (Docker's "invalid reference format").
        if (DeploymentNames.EnvironmentNameProblem(DeployEnvironment) is { } problem)
            throw new PipelineException($"--deploy-environment {problem} Set it on the command line or as DeployEnvironment in the profile.");
        ValidateHistoryInvocation(invokedTargets);
        ValidateDiffInvocation(invokedTargets);
        ValidatePromotionInvocation(invokedTargets);
        ValidateLocalSecrets(invokedTargets);
        ValidateDevInvocation(invokedTargets);
        // SynthInfra is skipped on other platforms as a step of Deploy; asked for by name, it needs an AWS profile.
        if (Platform != PlatformKind.Aws && invokedTargets.Contains(nameof(SynthInfra), StringComparer.OrdinalIgnoreCase))
            throw new PipelineException(AwsProfileNeeded(nameof(SynthInfra),
                "writes the AWS CloudFormation templates (the local platform's gateway routes come from the service manifests)",
                profile => $"./build.sh SynthInfra --profile {profile}"));
        if (Format == ReportFormat.Markdown && invokedTargets.Contains(nameof(Logs), StringComparer.OrdinalIgnoreCase))
            throw new PipelineException("Logs prints --format text or --format json (one object per line); markdown is for Cost and History.");
        if (RequestId is not null && !RequestIds.IsWellFormed(RequestId))
            throw new PipelineException(
                $"--request-id '{RequestId}' is not a request id: one is 1 to {RequestIds.MaxLength} characters of letters, digits and + / = _ . -, " +
                $"like JKJaXmPLvHcESHA=. Copy it from the apigw-requestid (or X-Request-Id) header of the response.");
        // An unknown profile must stop the run here: the SDK would otherwise fall back to the default credentials.
        if (AwsProfile is not null)
            AwsConnection.RequireProfile(AwsProfile);
        if (Service != AllServices && invokedTargets.Contains(nameof(Deploy), StringComparer.OrdinalIgnoreCase))
            throw new PipelineException(
                $"Deploy deploys every service, so --service {Service} does not apply to it. " +
                $"To build, push and roll only {Service}, run: ./build.sh Redeploy --service {Service}");
    }
}
