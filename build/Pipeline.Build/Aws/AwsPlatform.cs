using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Build.Synthesis;
using Pipeline.Manifests;
using Pipeline.Build.Aws.History;
using Pipeline.Build.Aws.Operations;

namespace Pipeline.Build.Aws;

/// <summary>
/// ECR for images; CloudFormation for the registry stack, the shared environment stack and one stack per service;
/// ECS Fargate for the services; the HTTP API endpoint for health. A service's image tag is a parameter of its own
/// stack, so rolling a new image is a parameter change on that one stack.
/// </summary>
public sealed class AwsPlatform : IDeploymentPlatform
{
    readonly DeploySettings settings;
    readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(60) };
    AwsConnection? connection;
    CloudFormationClient? cloudFormationClient;
    ImageDestination? destination;
    SynthResult? synthesized;
    bool registryEnsured;
    StackRun? registryRun;
    IReadOnlySet<string> changedServices = new HashSet<string>();
    StackDeployer? deployer;

    public AwsPlatform(DeploySettings settings) => this.settings = settings;

    /// <summary>What this run did that its deploy record and CI job summary report: stacks, health, where promoted images came from.</summary>
    public DeployJobFacts JobFacts { get; } = new();

    /// <summary>Resolved on first use, so synthesis (like <c>cdk synth</c>) needs neither credentials nor a region.</summary>
    AwsConnection aws => connection ??= AwsConnection.FromEnvironment(settings.AwsRegion, settings.AwsProfile);

    CloudFormationClient cloudFormation => cloudFormationClient ??= new CloudFormationClient(aws, http);

    string Environment => settings.Environment;
    string RegistryStack => DeploymentNames.RegistryStack(Environment);
    string SharedStack => DeploymentNames.SharedStack(Environment);
    string ServiceStack(string service) => DeploymentNames.ServiceStack(Environment, service);
    bool UsesEcr => string.IsNullOrEmpty(settings.Registry);
    DeployedEnvironment Deployed => new(cloudFormation, Environment);

    /// <summary>
    /// The profile's identity provider is complete (else synthesis would fail after the images were built and pushed), and
    /// every secret the selected services declare exists (<see cref="DeclaredSecretsCheck"/>; nothing is read when none declares one).
    /// </summary>
    public async Task CheckBeforeDeployAsync(IReadOnlyList<ServiceManifest> services, IStepLog log, CancellationToken cancellation)
    {
        if ((settings.JwtIssuer is null) != (settings.JwtAudience is null))
            throw new PipelineException(settings.JwtIssuer is null
                ? $"JwtAudience '{settings.JwtAudience}' is set without JwtIssuer. Set both in the profile (your identity provider's issuer URL and the audience its tokens carry for this API), or neither to let {Environment} run its own Cognito issuer. Nothing was run."
                : $"JwtIssuer '{settings.JwtIssuer}' needs JwtAudience: the audience its tokens carry for this API (the 'aud' claim; for a Cognito pool, the app client id). Set it in the profile. Nothing was run.");
        if (settings.JwtIssuer is { } issuer && !(Uri.TryCreate(issuer, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttps))
            throw new PipelineException($"JwtIssuer '{issuer}' must be the https URL of your identity provider's issuer (the 'iss' of its tokens); API Gateway accepts only https issuers. Nothing was run.");
        if (services.All(s => s.Secrets.Count == 0))
            return;
        try
        {
            await new DeclaredSecretsCheck(new SsmClient(aws, http), new SecretsManagerClient(aws, http))
                .CheckAsync(services, Environment, aws.Region, log, cancellation);
        }
        catch (PipelineException)
        {
            // Refused before anything changed: like a run that never reached AWS, it leaves no deploy record or history.
            refusedBeforeStart = true;
            throw;
        }
    }

    bool refusedBeforeStart;

    public async Task<ImageDestination> ImageDestinationAsync(CancellationToken cancellation)
    {
        if (destination is not null) return destination;
        var space = DeploymentNames.RepositoryNamespace(Environment);
        if (!UsesEcr)
            return destination = new ImageDestination($"{settings.Registry!.TrimEnd('/')}/{space}", RegistryLogin.From(settings), IsRegistry: true);

        var login = await new EcrClient(aws, http).GetAuthorizationAsync(cancellation);
        SecretMasker.Register(login.Password);
        // Before the first deploy the repositories do not exist yet: a dry run has nothing to look up in them.
        var repositoriesExist = !settings.DryRun || await cloudFormation.DescribeStackAsync(RegistryStack, cancellation) is not null;
        return destination = new ImageDestination($"{login.Registry}/{space}",
            new RegistryCredentials(login.Registry, login.Username, login.Password), IsRegistry: true)
        {
            RepositoriesExist = repositoriesExist,
        };
    }

    public async Task PushImagesAsync(IReadOnlyList<ServiceImage> images, IStepLog log, CancellationToken cancellation)
    {
        if (UsesEcr)
            await EnsureRegistryStackAsync(log, cancellation);
        var target = await ImageDestinationAsync(cancellation);
        using var engine = new DockerEngine();
        using var registry = new RegistryClient();
        if (!target.RepositoriesExist)
        {
            foreach (var image in images)
                log.Info($"{image.Service.Name}: would push {image.Reference} (its repository is created with stack {RegistryStack} first)");
            return;
        }
        await new ImagePusher(engine, registry).PushAsync(images, target.Credentials, settings.DryRun, log, cancellation);
    }

    public async Task SynthesizeAsync(IStepLog log, CancellationToken cancellation) => await SynthesizedAsync(log, cancellation);

    public async Task DeployInfraAsync(IReadOnlyList<ServiceImage> images, IStepLog log, CancellationToken cancellation)
    {
        WarnWhenAlarmsReachNobody(log);
        await EnsureRegistryStackAsync(log, cancellation);
        var synth = await SynthesizedAsync(log, cancellation);
        var deployed = await cloudFormation.DescribeAllStacksAsync(cancellation);
        RefuseLegacyLayout(deployed);

        var plans = EnvironmentPlans(synth, images, deployed);

        if (settings.DryRun)
        {
            // A stack reads the SSM parameters of the stacks it depends on; where one of those does not exist yet,
            // CloudFormation cannot make its change set, so its template says what the stack would hold.
            var previewable = plans.Where(p => p.DependsOn.All(deployed.ContainsKey)).ToList();
            var fromTemplates = plans.Except(previewable).ToList();
            var previews = await new StackSetDeployer(await DeployerAsync(cancellation), deployed, settings.MaxParallel)
                .DeployAsync(previewable.Select(p => p with { DependsOn = [] }).ToList(), dryRun: true, log, cancellation);
            foreach (var plan in fromTemplates)
                DescribeNewStack(plan, log);
            StackSetDeployer.Summarize([.. previews, .. fromTemplates.Select(p => new StackRun(p, StackRunState.DryRun, TimeSpan.Zero, "would be created (from its template)"))], log);
            return;
        }

        var runs = await new StackSetDeployer(await DeployerAsync(cancellation), deployed, settings.MaxParallel)
            .DeployAsync(plans, settings.DryRun, log, cancellation);
        changedServices = runs.Where(r => r.Changed && r.Plan.StackName != SharedStack).Select(r => r.Plan.Label).ToHashSet();
        JobFacts.Stacks = registryRun is null ? runs : [registryRun, .. runs];
        StackSetDeployer.Summarize(registryRun is null ? runs : [registryRun, .. runs], log);
    }

    /// <summary>Alarms without a subscriber still roll deployments back, but nobody hears of them: one line, every Deploy.</summary>
    void WarnWhenAlarmsReachNobody(IStepLog log)
    {
        if (settings.AlarmEmail is null && settings.AlarmHttpsEndpoint is null)
            log.Warn($"alarms of {Environment} notify nobody: set AlarmEmail (or AlarmHttpsEndpoint) in the profile, .nuke/parameters.<profile>.json, " +
                     $"to subscribe to topic apigw-{Environment}-alarms.");
    }

    static bool TemplateDeclares(string templatePath, string parameter)
    {
        using var template = System.Text.Json.JsonDocument.Parse(File.ReadAllText(templatePath));
        return template.RootElement.TryGetProperty("Parameters", out var parameters) && parameters.TryGetProperty(parameter, out _);
    }

    /// <summary>
    /// The desired count the service runs with now, so that a deploy hands CloudFormation the count autoscaling chose
    /// instead of resetting it to the minimum; a service that does not exist yet starts at its minimum.
    /// </summary>
    async Task<IReadOnlyDictionary<string, string>> CurrentCapacityAsync(
        ServiceManifest service, IReadOnlyDictionary<string, StackDescription> deployed, bool declared, CancellationToken ct)
    {
        if (!declared)
            return new Dictionary<string, string>();
        var count = service.MinTasks;
        if (deployed.ContainsKey(ServiceStack(service.Name)))
        {
            var environment = new DeployedEnvironment(cloudFormation, Environment, deployed);
            var running = await environment.ServiceAsync(service, ct);
            var (services, _) = await new EcsClient(aws, http).DescribeServicesAsync(await environment.ClusterAsync(ct), [running.EcsServiceName], ct);
            if (services.FirstOrDefault() is { Status: "ACTIVE" } current)
                count = Math.Max(current.DesiredCount, service.MinTasks);
        }
        return new Dictionary<string, string> { [DeploymentNames.DesiredCountParameter(service.Name)] = count.ToString(System.Globalization.CultureInfo.InvariantCulture) };
    }

    /// <summary>What a stack that does not exist yet would hold, read from its template.</summary>
    static void DescribeNewStack(StackPlan plan, IStepLog log)
    {
        using var template = System.Text.Json.JsonDocument.Parse(File.ReadAllText(plan.TemplatePath));
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
    void RefuseLegacyLayout(IReadOnlyDictionary<string, StackDescription> deployed)
    {
        var legacy = DeploymentNames.AppStack(Environment);
        if (!deployed.TryGetValue(legacy, out var stack))
            return;
        throw new PipelineException(
            $"Environment {Environment} was deployed with the earlier layout: everything in stack {legacy} ({stack.Status}). This version deploys " +
            $"{SharedStack} plus one stack per service, and will not deploy them next to {legacy}. Nothing was changed. To move the environment " +
            $"(the services are down between the two steps, and the HTTP API gets a new endpoint, because the API belongs to the stack being deleted):\n" +
            $"  aws cloudformation delete-stack --stack-name {legacy}\n" +
            $"  aws cloudformation wait stack-delete-complete --stack-name {legacy}\n" +
            $"  ./build.sh Deploy --profile <profile of {Environment}>\n" +
            $"The registry stack {RegistryStack} and its images stay as they are. To keep serving meanwhile, deploy the new layout as another " +
            "environment first (--deploy-environment), move your clients to its endpoint, then delete the old stack.");
    }

    public async Task UpdateServicesAsync(IReadOnlyList<ServiceImage> images, bool explicitRollout, IStepLog log, CancellationToken cancellation)
    {
        var deployed = await cloudFormation.DescribeAllStacksAsync(cancellation);
        if (settings.DryRun && !deployed.ContainsKey(SharedStack))
        {
            foreach (var image in images)
                log.Info($"{image.Service.Name}: would start {image.Service.MinTasks} task(s) of {image.Reference} " +
                         $"({image.Service.Cpu} CPU units, {image.Service.Memory} MiB) once stack {ServiceStack(image.Service.Name)} creates its ECS service, and wait for steady state.");
            return;
        }
        var forceNewDeployment = new HashSet<string>();
        if (explicitRollout)
        {
            // Redeploy: only the selected services' stacks change, each its image tag parameter on its current template.
            var missing = images.Where(i => !deployed.ContainsKey(ServiceStack(i.Service.Name))).Select(i => ServiceStack(i.Service.Name)).ToList();
            if (missing.Count > 0)
                throw new PipelineException($"Stack(s) {string.Join(", ", missing)} do not exist, so there is nothing to redeploy. Run ./build.sh Deploy first.");
            var stackDeployer = await DeployerAsync(cancellation);
            await PerService.RunAllAsync(images.Select(async image =>
            {
                var stack = deployed[ServiceStack(image.Service.Name)];
                var parameters = new Dictionary<string, string>(await CurrentCapacityAsync(
                    image.Service, deployed, stack.Parameters.ContainsKey(DeploymentNames.DesiredCountParameter(image.Service.Name)), cancellation))
                {
                    [DeploymentNames.ImageTagParameter(image.Service.Name)] = image.Tag,
                };
                var outcome = await stackDeployer.DeployAsync(
                    new StackDeployRequest(ServiceStack(image.Service.Name), TemplatePath: null, parameters,
                        // Tags are left as they are: the template, and so its hash tag, does not change.
                        new Dictionary<string, string>()),
                    settings.DryRun, new PrefixedStepLog(log, image.Service.Name), cancellation);
                // The same image again: roll the tasks anyway, as a redeploy asks for.
                if (outcome.Kind == StackDeployKind.NoChanges)
                    lock (forceNewDeployment) forceNewDeployment.Add(image.Service.Name);
                return outcome;
            }).ToList(), cancellation);
        }
        // Deploy waits for the services whose stacks changed in this run; Redeploy for the ones it rolls.
        var rolled = explicitRollout ? images : images.Where(i => changedServices.Contains(i.Service.Name)).ToList();
        if (rolled.Count < images.Count)
            log.Info($"{images.Count - rolled.Count} service stack(s) did not change in this run: their services were not touched" +
                     (rolled.Count == 0 ? "." : $"; waiting for {string.Join(", ", rolled.Select(i => i.Service.Name))}."));
        if (rolled.Count == 0)
            return;
        var environment = new DeployedEnvironment(cloudFormation, Environment, deployed);
        var cluster = await environment.ClusterAsync(cancellation);
        var services = new List<DeployedService>();
        foreach (var image in rolled)
            services.Add(await environment.ServiceAsync(image.Service, cancellation));
        var updater = new ServiceUpdater(new EcsClient(aws, http));
        var forced = services.Where(s => forceNewDeployment.Contains(s.Manifest.Name)).Select(s => s.EcsServiceName).ToList();
        var waited = services.Where(s => !forceNewDeployment.Contains(s.Manifest.Name)).Select(s => s.EcsServiceName).ToList();
        if (forced.Count > 0)
            await updater.UpdateAsync(cluster, forced, forceNewDeployment: true, settings.RolloutTimeout, settings.DryRun, log, cancellation);
        if (waited.Count > 0)
            await updater.UpdateAsync(cluster, waited, forceNewDeployment: false, settings.RolloutTimeout, settings.DryRun, log, cancellation);
    }

    public async Task<Uri> HealthBaseUrlAsync(CancellationToken cancellation)
    {
        if (settings.HealthUrl is not null) return settings.HealthUrl;
        var stack = await cloudFormation.DescribeStackAsync(SharedStack, cancellation);
        if (stack?.Outputs.GetValueOrDefault(DeploymentNames.ApiEndpointOutput) is { Length: > 0 } endpoint)
            return new Uri(endpoint);
        if (settings.DryRun && stack is null)
            // The API's id is known only once the stack exists; this is the shape its endpoint output will have.
            return new Uri($"https://api-id-of-{SharedStack}.execute-api.{aws.Region}.amazonaws.com/");
        throw new PipelineException(
            $"Stack {SharedStack} has no {DeploymentNames.ApiEndpointOutput} output to check health through" +
            (stack is null ? " (the stack does not exist: run ./build.sh Deploy first)." : ". Pass --health-url <base URL> to check another address."));
    }

    public async Task SummarizeAsync(IStepLog log, CancellationToken cancellation)
    {
        if (settings.DryRun) return;
        var stack = await cloudFormation.DescribeStackAsync(SharedStack, cancellation);
        var endpoint = stack?.Outputs.GetValueOrDefault(DeploymentNames.ApiEndpointOutput);
        log.Info($"Deployed environment {Environment} ({aws.Region}).");
        if (endpoint is { Length: > 0 })
            foreach (var service in settings.Catalog.Services)
                log.Info($"  {service.Name,-10} {endpoint.TrimEnd('/')}{service.RoutePrefix}");
        log.Info(settings.JwtIssuer is null
            ? "Every route but health and the declared public paths needs a bearer token: TOKEN=$(./build.sh Token --profile <this profile> | tail -1)"
            : $"Every route but health and the declared public paths needs a bearer token of {settings.JwtIssuer} for audience {settings.JwtAudience}.");
        log.Info($"Deploy record: {new DeployRecordWriter(settings.ArtifactsDirectory).PathFor(Environment)}");
    }

    /// <summary>The environment's Cognito machine client's token, or how to get one from the external provider (<see cref="EnvironmentToken"/>).</summary>
    public Task<string> AccessTokenAsync(IStepLog log, CancellationToken cancellation)
    {
        // Answered without calling AWS: the profile names the provider, and the pipeline holds no client there.
        if (settings.JwtIssuer is not null)
            throw EnvironmentToken.ExternalIssuer(Environment, settings.JwtIssuer, settings.JwtAudience);
        return new EnvironmentToken(new SsmClient(aws, http), new CognitoIdentityProviderClient(aws, http), http).GetAsync(Environment, log, cancellation);
    }

    public async Task StatusAsync(TextWriter output, CancellationToken cancellation)
    {
        var stacks = await cloudFormation.DescribeAllStacksAsync(cancellation);
        if (!stacks.TryGetValue(SharedStack, out var shared))
            throw new PipelineException($"Environment {Environment} is not deployed: stack {SharedStack} does not exist. Run ./build.sh Deploy --profile <profile of {Environment}>.");
        var cluster = await Deployed.ClusterAsync(cancellation);
        var deployedServices = new List<DeployedService>();
        foreach (var service in settings.Catalog.Services.Where(s => stacks.ContainsKey(ServiceStack(s.Name))))
            deployedServices.Add(await Deployed.ServiceAsync(service, cancellation));
        var (ecsServices, missing) = await new EcsClient(aws, http).DescribeServicesAsync(
            cluster, deployedServices.Select(s => s.EcsServiceName).ToList(), cancellation);
        output.WriteLine($"Stack {SharedStack}: {shared.Status}   {RegistryStack}: {stacks.GetValueOrDefault(RegistryStack)?.Status ?? "missing"}");
        var endpoint = shared.Outputs.GetValueOrDefault(DeploymentNames.ApiEndpointOutput);
        var table = new TextTable("Service", "Stack", "Version", "Running", "Pending", "Desired", "Rollout", "URL");
        foreach (var service in settings.Catalog.Services)
        {
            var stack = stacks.GetValueOrDefault(ServiceStack(service.Name));
            var name = deployedServices.FirstOrDefault(d => d.Manifest.Name == service.Name)?.EcsServiceName;
            var ecs = name is null ? null : ecsServices.FirstOrDefault(s => name.EndsWith(s.ServiceName, StringComparison.Ordinal));
            table.Add(service.Name, stack?.Status ?? "missing", stack?.Parameters.GetValueOrDefault(DeploymentNames.ImageTagParameter(service.Name)) ?? "-",
                ecs?.RunningCount.ToString() ?? "-", ecs?.PendingCount.ToString() ?? "-", ecs?.DesiredCount.ToString() ?? "-",
                ecs?.Primary?.RolloutState ?? (ecs is null ? "-" : ""),
                endpoint is { Length: > 0 } ? endpoint.TrimEnd('/') + service.RoutePrefix : "");
        }
        table.WriteTo(output);
        if (missing.Count > 0)
            output.WriteLine($"Not found in cluster {cluster}: {string.Join(", ", missing)}");
    }

    public async Task LogsAsync(ServiceManifest service, int tail, bool follow, TextWriter output, CancellationToken cancellation)
    {
        var group = (await Deployed.ServiceAsync(service, cancellation)).LogGroup;
        var logs = new LogsClient(aws, http);
        var since = DateTimeOffset.UtcNow.AddHours(-1);
        var events = await logs.FilterLogEventsAsync(group, since, null, int.MaxValue, cancellation);
        foreach (var e in events.TakeLast(tail))
            output.WriteLine($"{e.Timestamp:HH:mm:ss} {TaskOf(e.LogStreamName)} {e.Message.TrimEnd()}");
        var last = events.Count > 0 ? events[^1].Timestamp : since;
        while (follow && !cancellation.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), cancellation);
            foreach (var e in await logs.FilterLogEventsAsync(group, last.AddMilliseconds(1), null, 1000, cancellation))
            {
                output.WriteLine($"{e.Timestamp:HH:mm:ss} {e.Message.TrimEnd()}");
                last = e.Timestamp;
            }
        }
    }

    /// <summary>awslogs streams are <c>prefix/container/task-id</c>; the task id's start tells the tasks apart.</summary>
    static string TaskOf(string logStreamName)
    {
        var taskId = logStreamName[(logStreamName.LastIndexOf('/') + 1)..];
        return taskId[..Math.Min(8, taskId.Length)];
    }

    public Task DownAsync(IStepLog log, CancellationToken cancellation) =>
        throw new PipelineException(
            $"Down takes down the local platform only; it never deletes an AWS environment. To delete environment {Environment}, " +
            $"run ./build.sh Destroy --profile <profile of {Environment}> (see what it would delete first with --dry-run): it deletes the service stacks, then {SharedStack}, then {RegistryStack}.");

    /// <summary>The registry stack must exist before the first push; it is small and changes rarely.</summary>
    internal async Task EnsureRegistryStackAsync(IStepLog log, CancellationToken cancellation)
    {
        if (registryEnsured) return;
        var synth = await SynthesizedAsync(log, cancellation);
        var deployed = await cloudFormation.DescribeAllStacksAsync(cancellation);
        var runs = await new StackSetDeployer(await DeployerAsync(cancellation), deployed, settings.MaxParallel).DeployAsync(
            [RegistryPlan(synth)],
            settings.DryRun, log, cancellation);
        if (runs[0].State == StackRunState.Failed)
            throw new PipelineException(runs[0].Note);
        registryRun = runs[0];
        registryEnsured = true;
    }

    async Task<SynthResult> SynthesizedAsync(IStepLog log, CancellationToken cancellation) =>
        synthesized ??= await new StackSynthesizer(settings.RootDirectory).SynthesizeAsync(
            new SynthRequest(Environment, settings.NatGateways, connection?.Region ?? AwsConnection.ResolveRegion(settings.AwsRegion, settings.AwsProfile), new Dictionary<string, string>(),
                Path.Combine(settings.ArtifactsDirectory, "cdk.out", Environment))
            {
                KeepDeployedImages = settings.KeepDeployedImages,
                JwtIssuer = settings.JwtIssuer,
                JwtAudience = settings.JwtAudience,
                AlarmEmail = settings.AlarmEmail,
                AlarmHttpsEndpoint = settings.AlarmHttpsEndpoint,
            },
            // Synthesis writes only under artifacts/, so a dry run synthesizes too: the change sets need the templates.
            dryRun: false, log, cancellation);

    async Task<StackDeployer> DeployerAsync(CancellationToken cancellation) =>
        deployer ??= new StackDeployer(cloudFormation, await TemplateStore.ForAccountAsync(aws, cancellation));

    IReadOnlyDictionary<string, string> StackTags => new Dictionary<string, string>
    {
        ["apigw:environment"] = Environment,
        ["apigw:managed-by"] = "pipeline",
    };

    /// <summary>
    /// The local record (<c>artifacts/deploy/&lt;env&gt;.json</c>, GitHub outputs) as before, then the run's record in the
    /// account's deploy history, which every machine reads (<see cref="RecordHistoryAsync"/>).
    /// </summary>
    public async Task RecordAsync(string target, IReadOnlyList<ServiceImage> images, string outcome, TimeSpan duration, IStepLog log, CancellationToken cancellation)
    {
        if (settings.DryRun || connection is null || refusedBeforeStart) return;
        var outputs = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        var stacks = await cloudFormation.DescribeAllStacksAsync(cancellation);
        foreach (var stackName in synthesized?.StackNames ?? [RegistryStack, SharedStack, .. settings.Catalog.Names.Select(ServiceStack)])
            if (stacks.GetValueOrDefault(stackName) is { } stack)
                outputs[stackName] = stack.Outputs;
        // History first: the local record and the job summary name the history record.
        var history = await RecordHistoryAsync(target, images, outcome, duration, stacks, log, cancellation);
        await new DeployRecordWriter(settings.ArtifactsDirectory).WriteAsync(
            new DeployRecord(Environment, DateTimeOffset.UtcNow, outputs,
                // An image found in the registry (not pushed by this run) has its digest from the history's lookup.
                images.Select(i => new DeployedImage(i.Service.Name, i.Repository, i.Tag, i.Digest ?? history?.ImageOf(i.Service.Name)?.Digest)).ToList())
            {
                Target = target,
                Outcome = outcome,
                Duration = duration,
                Region = aws.Region,
                HistoryId = history?.Id,
                PromotedFrom = JobFacts.PromotedFrom,
                Stacks = JobFacts.StackResults(),
                Health = JobFacts.HealthResults(),
            },
            log, cancellation);
    }

    // ───── Deploy history and Rollback (Aws/DeployHistory*.cs, Aws/Rollback*.cs) ─────

    /// <summary>
    /// Appends the run to the deploy history in the account and, after a success, gives its images their protected
    /// <c>deployed-&lt;id&gt;</c> tag. A history that cannot be written is a warning: the run's outcome stands.
    /// </summary>
    async Task<DeployHistoryRecord?> RecordHistoryAsync(string target, IReadOnlyList<ServiceImage> images, string outcome, TimeSpan duration,
        IReadOnlyDictionary<string, StackDescription> stacks, IStepLog log, CancellationToken cancellation)
    {
        try
        {
            var record = await new DeployHistoryRecorder(aws, http, settings).RecordAsync(
                new DeployHistoryRecorder.Run(target, images, outcome, duration, stacks, await ImageDestinationAsync(cancellation)) { PromotedFrom = JobFacts.PromotedFrom },
                log, cancellation);
            return record;
        }
        catch (Exception e) when (e is PipelineException or HttpRequestException or OperationCanceledException)
        {
            log.Warn($"deploy history: this {target} ({outcome}) could not be recorded in the account: {e.Message}");
            return null;
        }
    }

    /// <summary>The History step: the environment's records, newest first, as a table or JSON.</summary>
    public async Task ShowHistoryAsync(IReadOnlyList<string> services, bool onlyThese, int limit, Reports.ReportFormat format,
        TextWriter output, IStepLog log, CancellationToken cancellation)
    {
        var (history, _) = await DeployHistory.ForAccountAsync(aws, Environment, cancellation);
        await DeployHistoryReport.ShowAsync(history, services, onlyThese, limit, format, output, log, cancellation);
    }

    /// <summary>The Rollback step (<see cref="ServiceRollback"/>).</summary>
    public Task RollbackAsync(IReadOnlyList<ServiceManifest> services, string? to, IStepLog log, CancellationToken cancellation) =>
        new ServiceRollback(this, settings, aws, cloudFormation, http).RunAsync(services, to, log, cancellation);

    // ───── Stack plans (read-only; DeployInfra deploys them, Diff compares them: Build.Diff.cs, Aws/StackDiff*.cs) ─────

    /// <summary>
    /// The stacks a Deploy brings to the synthesized state, in deploy order: registry, shared, one per service, each with
    /// its template and planned parameters (the image tags of <paramref name="images"/>). Synthesizes if needed (writes only
    /// under artifacts/) and calls nothing else: Diff plans from here, so what it compares is what DeployInfra deploys.
    /// </summary>
    /// <param name="deployed">The environment's stacks (DescribeAllStacks); read only when a service stack is deployed (its live desired count).</param>
    public async Task<IReadOnlyList<StackPlan>> StackPlansAsync(IReadOnlyList<ServiceImage> images, IReadOnlyDictionary<string, StackDescription> deployed,
        IStepLog log, CancellationToken cancellation)
    {
        var synth = await SynthesizedAsync(log, cancellation);
        return [RegistryPlan(synth), .. EnvironmentPlans(synth, images, deployed)];
    }

    StackPlan RegistryPlan(SynthResult synth) =>
        new(RegistryStack, "registry", synth.RegistryTemplatePath, new Dictionary<string, string>(), StackTags, []);

    /// <summary>The shared stack, then one stack per service after the stacks it depends on.</summary>
    List<StackPlan> EnvironmentPlans(SynthResult synth, IReadOnlyList<ServiceImage> images, IReadOnlyDictionary<string, StackDescription> deployed)
    {
        var shared = new StackPlan(SharedStack, "shared", synth.SharedTemplatePath, new Dictionary<string, string>(), StackTags, []);
        var plans = new List<StackPlan> { shared };
        foreach (var service in settings.Catalog.Services)
        {
            var image = images.FirstOrDefault(i => i.Service.Name == service.Name) ?? throw new PipelineException(
                $"No image tag for {service.Name}: Deploy deploys every service. Run ./build.sh Deploy without --service.");
            var templatePath = synth.ServiceTemplatePath(service.Name);
            plans.Add(new StackPlan(ServiceStack(service.Name), service.Name, templatePath,
                new Dictionary<string, string> { [DeploymentNames.ImageTagParameter(service.Name)] = image.Tag }, StackTags,
                [SharedStack, .. service.Uses.Select(ServiceStack)])
            {
                LiveParameters = ct => CurrentCapacityAsync(service, deployed, TemplateDeclares(templatePath, DeploymentNames.DesiredCountParameter(service.Name)), ct),
            });
        }
        return plans;
    }

    public void Dispose() => http.Dispose();
}
