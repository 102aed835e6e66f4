using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Build.Synthesis;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws;

/// <summary>
/// ECR for images, CloudFormation for the two stacks (registry, app), ECS Fargate for the services,
/// the HTTP API endpoint for health. Image tags are parameters of the app stack, so rolling a new image
/// is a parameter change on the template already deployed.
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
    bool appStackChanged;
    StackDeployer? deployer;

    public AwsPlatform(DeploySettings settings) => this.settings = settings;

    /// <summary>Resolved on first use, so synthesis (like <c>cdk synth</c>) needs neither credentials nor a region.</summary>
    AwsConnection aws => connection ??= AwsConnection.FromEnvironment(settings.AwsRegion, settings.AwsProfile);

    CloudFormationClient cloudFormation => cloudFormationClient ??= new CloudFormationClient(aws, http);

    string Environment => settings.Environment;
    string RegistryStack => DeploymentNames.RegistryStack(Environment);
    string AppStack => DeploymentNames.AppStack(Environment);
    bool UsesEcr => string.IsNullOrEmpty(settings.Registry);

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
        await EnsureRegistryStackAsync(log, cancellation);
        var synth = await SynthesizedAsync(log, cancellation);
        var tags = settings.Catalog.Services.ToDictionary(
            s => DeploymentNames.ImageTagParameter(s.Name),
            s => images.FirstOrDefault(i => i.Service.Name == s.Name)?.Tag ?? throw new PipelineException(
                $"No image tag for {s.Name}: Deploy deploys every service. Run ./build.sh Deploy without --service."));
        var outcome = await (await DeployerAsync(cancellation)).DeployAsync(
            new StackDeployRequest(AppStack, synth.AppTemplatePath, tags, StackTags), settings.DryRun, log, cancellation);
        appStackChanged = outcome.Kind is StackDeployKind.Created or StackDeployKind.Updated;
        if (!settings.DryRun)
            await WriteRecordAsync(images, log, cancellation);
    }

    public async Task UpdateServicesAsync(IReadOnlyList<ServiceImage> images, bool explicitRollout, IStepLog log, CancellationToken cancellation)
    {
        var forceNewDeployment = false;
        if (explicitRollout)
        {
            // Redeploy: only the selected services' tag parameters change; every other keeps its current value.
            var selected = images.Select(i => i.Service.Name).ToHashSet();
            var outcome = await (await DeployerAsync(cancellation)).DeployAsync(
                new StackDeployRequest(AppStack, TemplatePath: null,
                    images.ToDictionary(i => DeploymentNames.ImageTagParameter(i.Service.Name), i => i.Tag), StackTags)
                {
                    PreviousValueParameters = settings.Catalog.Services.Where(s => !selected.Contains(s.Name))
                        .Select(s => DeploymentNames.ImageTagParameter(s.Name)).ToList(),
                },
                settings.DryRun, log, cancellation);
            // The same image again: roll the tasks anyway, as a redeploy asks for.
            forceNewDeployment = outcome.Kind == StackDeployKind.NoChanges;
        }
        if (settings.DryRun && await cloudFormation.DescribeStackAsync(AppStack, cancellation) is null)
        {
            foreach (var image in images)
                log.Info($"{image.Service.Name}: would start {image.Service.MinTasks} task(s) of {image.Reference} " +
                         $"({image.Service.Cpu} CPU units, {image.Service.Memory} MiB) once stack {AppStack} creates its ECS service, and wait for steady state.");
            return;
        }
        if (!explicitRollout && !appStackChanged)
            log.Info("the app stack did not change in this run: checking that the services are steady");
        var names = await new DeployedStack(cloudFormation, AppStack).LocateAsync(settings.Catalog, cancellation);
        await new ServiceUpdater(new EcsClient(aws, http)).UpdateAsync(
            names.Cluster, images.Select(i => names.ServiceNameOf(i.Service)).ToList(),
            forceNewDeployment, settings.RolloutTimeout, settings.DryRun, log, cancellation);
    }

    public async Task<Uri> HealthBaseUrlAsync(CancellationToken cancellation)
    {
        if (settings.HealthUrl is not null) return settings.HealthUrl;
        var stack = await cloudFormation.DescribeStackAsync(AppStack, cancellation);
        if (stack?.Outputs.GetValueOrDefault(DeploymentNames.ApiEndpointOutput) is { Length: > 0 } endpoint)
            return new Uri(endpoint);
        if (settings.DryRun && stack is null)
            // The API's id is known only once the stack exists; this is the shape its endpoint output will have.
            return new Uri($"https://api-id-of-{AppStack}.execute-api.{aws.Region}.amazonaws.com/");
        throw new PipelineException(
            $"Stack {AppStack} has no {DeploymentNames.ApiEndpointOutput} output to check health through" +
            (stack is null ? " (the stack does not exist: run ./build.sh Deploy first)." : ". Pass --health-url <base URL> to check another address."));
    }

    public async Task SummarizeAsync(IStepLog log, CancellationToken cancellation)
    {
        if (settings.DryRun) return;
        var stack = await cloudFormation.DescribeStackAsync(AppStack, cancellation);
        var endpoint = stack?.Outputs.GetValueOrDefault(DeploymentNames.ApiEndpointOutput);
        log.Info($"Deployed environment {Environment} ({aws.Region}).");
        if (endpoint is { Length: > 0 })
            foreach (var service in settings.Catalog.Services)
                log.Info($"  {service.Name,-10} {endpoint.TrimEnd('/')}{service.RoutePrefix}");
        log.Info($"Deploy record: {new DeployRecordWriter(settings.ArtifactsDirectory).PathFor(Environment)}");
    }

    public async Task StatusAsync(TextWriter output, CancellationToken cancellation)
    {
        var stack = await cloudFormation.DescribeStackAsync(AppStack, cancellation)
            ?? throw new PipelineException($"Environment {Environment} is not deployed: stack {AppStack} does not exist. Run ./build.sh Deploy --profile {Environment}.");
        var names = await new DeployedStack(cloudFormation, AppStack).LocateAsync(settings.Catalog, cancellation);
        var (services, missing) = await new EcsClient(aws, http).DescribeServicesAsync(
            names.Cluster, settings.Catalog.Services.Select(names.ServiceNameOf).ToList(), cancellation);
        output.WriteLine($"Stack {AppStack}: {stack.Status}");
        var endpoint = stack.Outputs.GetValueOrDefault(DeploymentNames.ApiEndpointOutput);
        var table = new TextTable("Service", "Version", "Running", "Pending", "Desired", "Rollout", "URL");
        foreach (var service in settings.Catalog.Services)
        {
            var ecs = services.FirstOrDefault(s => names.ServiceNameOf(service).EndsWith(s.ServiceName, StringComparison.Ordinal));
            table.Add(service.Name, stack.Parameters.GetValueOrDefault(DeploymentNames.ImageTagParameter(service.Name)) ?? "?",
                ecs?.RunningCount.ToString() ?? "-", ecs?.PendingCount.ToString() ?? "-", ecs?.DesiredCount.ToString() ?? "-",
                ecs?.Primary?.RolloutState ?? (ecs is null ? "missing" : "-"),
                endpoint is { Length: > 0 } ? endpoint.TrimEnd('/') + service.RoutePrefix : "");
        }
        table.WriteTo(output);
        if (missing.Count > 0)
            output.WriteLine($"Not found in cluster {names.Cluster}: {string.Join(", ", missing)}");
    }

    public async Task LogsAsync(ServiceManifest service, int tail, bool follow, TextWriter output, CancellationToken cancellation)
    {
        var names = await new DeployedStack(cloudFormation, AppStack).LocateAsync(settings.Catalog, cancellation);
        var group = names.LogGroupOf(service);
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
            $"delete stack {AppStack}, then {RegistryStack} (its repositories must be empty), e.g. with the AWS console or CLI.");

    /// <summary>The registry stack must exist before the first push; it is small and changes rarely.</summary>
    async Task EnsureRegistryStackAsync(IStepLog log, CancellationToken cancellation)
    {
        if (registryEnsured) return;
        var synth = await SynthesizedAsync(log, cancellation);
        await (await DeployerAsync(cancellation)).DeployAsync(
            new StackDeployRequest(RegistryStack, synth.RegistryTemplatePath, new Dictionary<string, string>(), StackTags),
            settings.DryRun, log, cancellation);
        registryEnsured = true;
    }

    async Task<SynthResult> SynthesizedAsync(IStepLog log, CancellationToken cancellation) =>
        synthesized ??= await new StackSynthesizer(settings.RootDirectory).SynthesizeAsync(
            new SynthRequest(Environment, settings.NatGateways, connection?.Region ?? AwsConnection.ResolveRegion(settings.AwsRegion, settings.AwsProfile), new Dictionary<string, string>(),
                Path.Combine(settings.ArtifactsDirectory, "cdk.out", Environment)),
            // Synthesis writes only under artifacts/, so a dry run synthesizes too: the change sets need the templates.
            dryRun: false, log, cancellation);

    async Task<StackDeployer> DeployerAsync(CancellationToken cancellation) =>
        deployer ??= new StackDeployer(cloudFormation, await TemplateStore.ForAccountAsync(aws, cancellation));

    IReadOnlyDictionary<string, string> StackTags => new Dictionary<string, string>
    {
        ["apigw:environment"] = Environment,
        ["apigw:managed-by"] = "pipeline",
    };

    async Task WriteRecordAsync(IReadOnlyList<ServiceImage> images, IStepLog log, CancellationToken cancellation)
    {
        var outputs = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        foreach (var stackName in new[] { RegistryStack, AppStack })
            if (await cloudFormation.DescribeStackAsync(stackName, cancellation) is { } stack)
                outputs[stackName] = stack.Outputs;
        await new DeployRecordWriter(settings.ArtifactsDirectory).WriteAsync(
            new DeployRecord(Environment, DateTimeOffset.UtcNow, outputs,
                images.Select(i => new DeployedImage(i.Service.Name, i.Repository, i.Tag, i.Digest)).ToList()),
            log, cancellation);
    }

    public void Dispose() => http.Dispose();
}
