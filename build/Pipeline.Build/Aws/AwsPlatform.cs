using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Destroy;
using Pipeline.Build.Aws.History;
using Pipeline.Build.Aws.Operations;
using Pipeline.Build.Deployment;
using Pipeline.Build.Deployment.Locking;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws;

/// <summary>
/// The Deploy and Redeploy chain on AWS: ECR for images; CloudFormation for the registry stack, the shared environment
/// stack and one stack per service (<see cref="StackPlanner"/>, <see cref="StackSetDeployer"/>); ECS Fargate for the
/// services (<see cref="ServiceRollout"/>); the HTTP API endpoint for health. A service's image tag is a parameter of its
/// own stack, so rolling a new image is a parameter change on that one stack. Status, Logs and Token are
/// <see cref="AwsOperations"/>; the run's record is <see cref="DeployRunRecorder"/>.
/// </summary>
public sealed class AwsPlatform(AwsContext aws, StackPlanner plans, DeployJobFacts jobFacts) : IDeploymentPlatform
{
    StackRun? registryRun;
    IReadOnlySet<string> changedServices = new HashSet<string>();
    bool refusedBeforeStart;

    DeploySettings Settings => aws.Settings;

    public async Task CheckBeforeDeployAsync(string target, IReadOnlyList<ServiceManifest> services, IStepLog log, CancellationToken cancellation)
    {
        try
        {
            await new DeployPreconditions(aws).CheckAsync(target, services, log, cancellation);
        }
        catch (PipelineException)
        {
            // Refused before anything changed: like a run that never reached AWS, it leaves no deploy record or history.
            refusedBeforeStart = true;
            throw;
        }
        // Past its checks, about to change something: from here on a killed run shows in History as abandoned.
        await aws.RecordRunStartAsync(target, log, cancellation);
    }

    public Task<ImageDestination> ImageDestinationAsync(CancellationToken cancellation) => aws.ImageDestinationAsync(cancellation);

    public async Task<EnvironmentLockPlace> EnvironmentLockAsync(IStepLog log, CancellationToken cancellation) =>
        new(new S3EnvironmentLockStore(AwsSdkClients.CreateS3(aws.Connection), await aws.TemplateStoreAsync(cancellation), aws.Environment, log),
            (await aws.CallerAsync(cancellation)).Arn);

    public async Task PushImagesAsync(IReadOnlyList<ServiceImage> images, IStepLog log, CancellationToken cancellation)
    {
        if (aws.UsesEcr)
            await EnsureRegistryStackAsync(log, cancellation);
        var target = await aws.ImageDestinationAsync(cancellation);
        using var engine = new DockerEngine();
        using var registry = new RegistryClient();
        if (!target.RepositoriesExist)
        {
            foreach (var image in images)
                log.Info($"{image.Service.Name}: would push {image.Reference} (its repository is created with stack {aws.RegistryStack} first)");
            return;
        }
        await new ImagePusher(engine, registry).PushAsync(images, target.Credentials, Settings.DryRun, log, cancellation);
    }

    public async Task SynthesizeAsync(IStepLog log, CancellationToken cancellation) => await plans.SynthesizeAsync(log, cancellation);

    public async Task DeployInfraAsync(IReadOnlyList<ServiceImage> images, IStepLog log, CancellationToken cancellation)
    {
        WarnWhenAlarmsReachNobody(log);
        await EnsureRegistryStackAsync(log, cancellation);
        var synth = await plans.SynthesizeAsync(log, cancellation);
        var deployed = await aws.CloudFormation.DescribeAllStacksAsync(cancellation);
        plans.RefuseLegacyLayout(deployed);
        var environmentPlans = plans.EnvironmentPlans(synth, images, deployed);
        var stackSet = new StackSetDeployer(await aws.StackDeployerAsync(cancellation), deployed, Settings.MaxParallel);

        if (Settings.DryRun)
        {
            // A stack reads the SSM parameters of the stacks it depends on; where one of those does not exist yet,
            // CloudFormation cannot make its change set, so its template says what the stack would hold.
            var previewable = environmentPlans.Where(p => p.DependsOn.All(deployed.ContainsKey)).ToList();
            var fromTemplates = environmentPlans.Except(previewable).ToList();
            var previews = await stackSet.DeployAsync(previewable.Select(p => p with { DependsOn = [] }).ToList(), dryRun: true, log, cancellation);
            foreach (var plan in fromTemplates)
                StackPlanner.DescribeNewStack(plan, log);
            StackSetDeployer.Summarize([.. previews, .. fromTemplates.Select(p => new StackRun(p, StackRunState.DryRun, TimeSpan.Zero, "would be created (from its template)"))], log);
            return;
        }

        var runs = await stackSet.DeployAsync(environmentPlans, Settings.DryRun, log, cancellation);
        changedServices = runs.Where(r => r.Changed && r.Plan.StackName != aws.SharedStack).Select(r => r.Plan.Label).ToHashSet();
        jobFacts.Stacks = registryRun is null ? runs : [registryRun, .. runs];
        StackSetDeployer.Summarize(jobFacts.Stacks, log);
    }

    /// <summary>Alarms without a subscriber still roll deployments back, but nobody hears of them: one line, every Deploy.</summary>
    void WarnWhenAlarmsReachNobody(IStepLog log)
    {
        if (Settings.AlarmEmail is null && Settings.AlarmHttpsEndpoint is null)
            log.Warn($"alarms of {aws.Environment} notify nobody: set AlarmEmail (or AlarmHttpsEndpoint) in the profile, .nuke/parameters.<profile>.json, " +
                     $"to subscribe to topic apigw-{aws.Environment}-alarms.");
    }

    /// <summary>The registry stack must exist before the first push; it is small and changes rarely.</summary>
    internal async Task EnsureRegistryStackAsync(IStepLog log, CancellationToken cancellation)
    {
        if (registryRun is not null) return;
        var synth = await plans.SynthesizeAsync(log, cancellation);
        var plan = plans.RegistryPlan(synth);
        var deployer = await aws.StackDeployerAsync(cancellation);
        try
        {
            await new RegistryAdoption(aws.CloudFormation, new EcrClient(aws.Connection, aws.Http), deployer).AdoptAsync(plan, Settings.DryRun, log, cancellation);
        }
        catch (PipelineException e) when (!cancellation.IsCancellationRequested)
        {
            throw new PipelineException(
                $"{e.Message.TrimEnd()} Adopting the retained repositories of stack {plan.StackName} failed; they and their images are as they were. " +
                $"Check the stack's events (aws cloudformation describe-stack-events --stack-name {plan.StackName}), then deploy again.", e);
        }
        var deployed = await aws.CloudFormation.DescribeAllStacksAsync(cancellation);
        var runs = await new StackSetDeployer(deployer, deployed, Settings.MaxParallel)
            .DeployAsync([plan], Settings.DryRun, log, cancellation);
        if (runs[0].State == StackRunState.Failed)
            throw new PipelineException(runs[0].Note);
        registryRun = runs[0];
    }

    public Task UpdateServicesAsync(IReadOnlyList<ServiceImage> images, bool explicitRollout, IStepLog log, CancellationToken cancellation) =>
        explicitRollout
            ? new ServiceRollout(aws, plans).RollAsync(images, log, cancellation)
            : new ServiceRollout(aws, plans).FollowAsync(images, changedServices, log, cancellation);

    public Task<Uri> HealthBaseUrlAsync(CancellationToken cancellation) => aws.HealthBaseUrlAsync(cancellation);

    public async Task SummarizeAsync(IStepLog log, CancellationToken cancellation)
    {
        if (Settings.DryRun) return;
        var stack = await aws.CloudFormation.DescribeStackAsync(aws.SharedStack, cancellation);
        string? Output(string key) => stack?.Outputs.GetValueOrDefault(key) is { Length: > 0 } value ? value : null;
        var endpoint = Output(DeploymentNames.ApiEndpointOutput);
        var (userPool, interactiveClient) = (Output(DeploymentNames.UserPoolIdOutput), Output(DeploymentNames.InteractiveClientIdOutput));
        if (Settings.JwtIssuer is null && (userPool is null || interactiveClient is null))
        {
            // Outputs of a stack made by change set are missing on some emulators; the same values are SSM parameters.
            string Path(SharedValue value) => DeploymentNames.SharedParameter(aws.Environment, value);
            var values = await new SsmClient(aws.Connection, aws.Http).GetParametersAsync([Path(SharedValue.UserPoolId), Path(SharedValue.InteractiveClientId)], cancellation);
            userPool ??= values.GetValueOrDefault(Path(SharedValue.UserPoolId));
            interactiveClient ??= values.GetValueOrDefault(Path(SharedValue.InteractiveClientId));
        }
        var mcpEndpoints = endpoint is null
            ? new Dictionary<string, Uri>()
            : await McpEndpointsAsync(new Uri(endpoint.TrimEnd('/') + "/"), log, cancellation);
        foreach (var line in AwsDeploySummary.Compose(new AwsSummaryFacts(aws.Environment, aws.Connection.Region, endpoint, Settings.Catalog.Services,
                     mcpEndpoints, Settings.JwtIssuer, Settings.JwtAudience, userPool, interactiveClient,
                     new DeployRecordWriter(Settings.ArtifactsDirectory).PathFor(aws.Environment), Output(DeploymentNames.DashboardNameOutput))))
            log.Info(line);
    }

    static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The MCP endpoint of each service that is an OAuth protected resource: the <c>resource</c> its public metadata names
    /// (no token needed), so the URL printed is the one the server itself announces.
    /// </summary>
    async Task<Dictionary<string, Uri>> McpEndpointsAsync(Uri api, IStepLog log, CancellationToken cancellation)
    {
        var endpoints = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var service in Settings.Catalog.Services.Where(s => s.ResourceMetadataPath is not null))
        {
            var metadata = new Uri(api, service.RoutePrefix.TrimStart('/') + service.ResourceMetadataPath);
            // A summary line is not worth the HTTP client's full minute.
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            patience.CancelAfter(MetadataTimeout);
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(await aws.Http.GetStringAsync(metadata, patience.Token));
                if (document.RootElement.TryGetProperty("resource", out var resource) && Uri.TryCreate(resource.GetString(), UriKind.Absolute, out var url))
                    endpoints[service.Name] = url;
                else
                    log.Warn($"{service.Name}: {metadata} names no resource, so no MCP client configuration is printed for it.");
            }
            catch (Exception e) when ((e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException) && !cancellation.IsCancellationRequested)
            {
                log.Warn($"{service.Name}: could not read its protected resource metadata at {metadata} ({e.Message}); no MCP client configuration is printed for it.");
            }
        }
        return endpoints;
    }

    public async Task BeginRunAsync(HeldEnvironmentLock held, IStepLog log, CancellationToken cancellation)
    {
        await new OrphanedChangeSets(aws.CloudFormation, aws.Environment).RemoveAsync(log, cancellation);
        aws.Lease = held;
        held.OnRenewed = ct => aws.RunningRecord?.RenewAsync(held.Holder.LeaseUntil, log, ct) ?? Task.CompletedTask;
    }

    public async Task CompleteStartedRecordAsync(string outcome, TimeSpan duration, IStepLog log, CancellationToken cancellation)
    {
        if (aws.RunningRecord is { IsCompleted: false } running
            && await running.CompleteAsync(outcome, duration, DateTimeOffset.UtcNow, log, cancellation) is { } url)
            log.Info($"deploy history: {running.Started.Target} {outcome}, record {running.Started.Id} completed at {url}");
    }

    public async Task ReportInterruptedAsync(string rerun, IStepLog log, CancellationToken cancellation)
    {
        if (Settings.DryRun || !aws.IsConnected)
            return;
        var stackNames = plans.Synthesized?.StackNames ?? [aws.RegistryStack, aws.SharedStack, .. Settings.Catalog.Names.Select(aws.ServiceStack)];
        await InterruptedStacks.ReportAsync(aws.CloudFormation, stackNames, (await aws.StackDeployerAsync(cancellation)).Activity, rerun, log, cancellation);
    }

    public Task RecordAsync(string target, IReadOnlyList<ServiceImage> images, string outcome, TimeSpan duration, IStepLog log, CancellationToken cancellation)
    {
        if (Settings.DryRun || !aws.IsConnected || refusedBeforeStart)
            return Task.CompletedTask;
        var stackNames = plans.Synthesized?.StackNames ?? [aws.RegistryStack, aws.SharedStack, .. Settings.Catalog.Names.Select(aws.ServiceStack)];
        return new DeployRunRecorder(aws, jobFacts).RecordAsync(target, images, outcome, duration, stackNames, log, cancellation);
    }

    public Task<string> AccessTokenAsync(IStepLog log, CancellationToken cancellation) => new AwsOperations(aws).AccessTokenAsync(log, cancellation);

    public Task StatusAsync(TextWriter output, CancellationToken cancellation) => new AwsOperations(aws).StatusAsync(output, cancellation);

    public Task LogsAsync(LogQuery query, TextWriter output, CancellationToken cancellation) =>
        new AwsOperations(aws).LogsAsync(query, output, Console.Error, cancellation);

    public Task DownAsync(IStepLog log, CancellationToken cancellation) => throw AwsOperations.DownRefused(aws.Environment);

    public Task DestroyAsync(EnvironmentConfirmation confirmation, bool includeImages, IStepLog log, CancellationToken cancellation) =>
        new EnvironmentDestroyer(
                aws.CloudFormation,
                new EcrRepositories(aws.Connection, aws.Http),
                async ct => await aws.TemplateStoreAsync(ct),
                new EnvironmentDestroyRequest(aws.Environment, Settings.Catalog, aws.Connection.Region, confirmation.Command)
                {
                    IncludeImages = includeImages,
                    DryRun = Settings.DryRun,
                    MaxParallel = Settings.MaxParallel,
                    DeletionProtection = Settings.DeletionProtection,
                })
            .DestroyAsync(confirmation.ConfirmAsync, log, cancellation);

    public void Dispose() => aws.Dispose();
}
