using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Zones;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws;

/// <summary>
/// A run's one connection to an AWS environment: its credentials and region, one HTTP client, the CloudFormation client,
/// the template bucket, where its images go and the address its API answers on. Every AWS step of a run, whichever
/// target calls it, takes these from here. The connection is resolved on first use, so synthesis (like <c>cdk synth</c>)
/// needs neither credentials nor a region.
/// </summary>
public sealed class AwsContext(DeploySettings settings) : IDisposable
{
    AwsConnection? connection;
    CloudFormationClient? cloudFormation;
    StackDeployer? deployer;
    ImageDestination? destination;
    CallerIdentity? caller;
    ZoneChoice? zones;

    /// <summary>A context on a connection made elsewhere (an emulator's, in tests) instead of the SDK's default chains.</summary>
    public AwsContext(DeploySettings settings, AwsConnection connection) : this(settings) => this.connection = connection;

    public DeploySettings Settings => settings;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public AwsConnection Connection => connection ??= AwsConnection.FromEnvironment(settings.AwsRegion, settings.AwsProfile);

    /// <summary>Whether anything of this run has called AWS yet (a run refused before that records nothing there).</summary>
    public bool IsConnected => connection is not null;

    /// <summary>The region, without resolving credentials when nothing has connected yet.</summary>
    public string? Region => connection?.Region ?? AwsConnection.ResolveRegion(settings.AwsRegion, settings.AwsProfile);

    public CloudFormationClient CloudFormation => cloudFormation ??= new CloudFormationClient(Connection, Http);

    public string Environment => settings.Environment;

    public string RegistryStack => DeploymentNames.RegistryStack(Environment);

    public string SharedStack => DeploymentNames.SharedStack(Environment);

    public string ServiceStack(string service) => DeploymentNames.ServiceStack(Environment, service);

    /// <summary>Images go to the environment's ECR repositories unless --registry names another registry.</summary>
    public bool UsesEcr => string.IsNullOrEmpty(settings.Registry);

    /// <param name="stacks">The environment's stacks when already listed, to save a call per stack.</param>
    internal DeployedEnvironment Deployed(IReadOnlyDictionary<string, StackDescription>? stacks = null) => new(CloudFormation, Environment, stacks);

    /// <summary>Who the run's credentials are (STS GetCallerIdentity, asked once per run).</summary>
    public async Task<CallerIdentity> CallerAsync(CancellationToken cancellation) => caller ??= await AwsSdkClients.GetCallerIdentityAsync(Connection, cancellation);

    /// <summary>The account of the run's credentials.</summary>
    public async Task<string> AccountAsync(CancellationToken cancellation) => (await CallerAsync(cancellation)).Account;

    public async Task<TemplateStore> TemplateStoreAsync(CancellationToken cancellation) => TemplateStore.ForAccount(Connection, await AccountAsync(cancellation));

    public async Task<StackDeployer> StackDeployerAsync(CancellationToken cancellation) =>
        deployer ??= new StackDeployer(CloudFormation, await TemplateStoreAsync(cancellation),
            new StackDeployerOptions { ExecutionRoleArn = await ExecutionRoleArnAsync(cancellation) });

    /// <summary>
    /// The role CloudFormation acts as for the environment's stacks (CDK's bootstrap pattern): by default the environment's
    /// execution role <c>pipeline-apigw-&lt;env&gt;-cfn-exec</c> in the account of the credentials, which DeployRole writes for
    /// an administrator to create once; <c>--cfn-execution-role none</c> deploys with the caller's own credentials (an
    /// administrator's sandbox); an ARN names another role.
    /// </summary>
    public async Task<string?> ExecutionRoleArnAsync(CancellationToken cancellation) => settings.ExecutionRole switch
    {
        DeploySettings.OwnCredentials => null,
        { Length: > 0 } arn when arn.StartsWith("arn:", StringComparison.Ordinal) && arn.Contains(":role/", StringComparison.Ordinal) => arn,
        { Length: > 0 } other => throw new PipelineException(
            $"--cfn-execution-role {other}: expected a role ARN (arn:aws:iam::<account>:role/<name>) or '{DeploySettings.OwnCredentials}' " +
            $"(deploy with your own credentials); leave it out for the environment's execution role {DeploymentNames.ExecutionRole(Environment)}."),
        _ => $"arn:{Connection.Partition}:iam::{await AccountAsync(cancellation)}:role/{DeploymentNames.ExecutionRole(Environment)}",
    };

    /// <summary>This run's history record once it has started changing the environment (Deploy, Redeploy, Rollback); completed by the run's own record.</summary>
    public History.RunningHistoryRecord? RunningRecord { get; private set; }

    /// <summary>How each service this run rolled ended (strategy and end), for its history record.</summary>
    public RolloutEndings Rollouts { get; } = new();

    /// <summary>The environment lock this run holds (null on a dry run); the running record is renewed with its lease.</summary>
    public Deployment.Locking.HeldEnvironmentLock? Lease { get; set; }

    /// <summary>
    /// Writes this run's history record as running, once, when the run is past its checks and about to change something:
    /// a run refused before that leaves no record, one killed after it shows in History as abandoned.
    /// </summary>
    public async Task RecordRunStartAsync(string target, IStepLog log, CancellationToken cancellation)
    {
        if (RunningRecord is not null || settings.DryRun || Lease is null)
            return;
        RunningRecord = await new History.DeployHistoryRecorder(Connection, Http, settings).StartAsync(target, Lease.Holder.LeaseUntil, log, cancellation);
    }

    /// <summary>The VPC's zones once this run has checked or chosen them (<see cref="ChooseZonesAsync"/>); null before.</summary>
    public ZoneChoice? Zones => zones;

    /// <summary>
    /// The VPC's zones: the profile's AvailabilityZoneIds checked against the region's zones, or chosen among those that
    /// support HTTP API VPC links (EC2 DescribeAvailabilityZones, once per run). Throws, naming what to set, when neither works.
    /// </summary>
    public async Task<ZoneChoice> ChooseZonesAsync(CancellationToken cancellation) =>
        zones ??= ZoneChooser.Choose(Connection.Region, await new Ec2Client(Connection, Http).DescribeAvailabilityZonesAsync(cancellation),
            settings.AvailabilityZoneIds, settings.ParametersFile);

    /// <summary>The zone IDs the templates are synthesized with: the run's choice, else the profile's (unchecked: no credentials needed), else none.</summary>
    public IReadOnlyList<string> ZoneIdsForSynthesis =>
        zones?.Ids ?? (settings.AvailabilityZoneIds.Count > 0 ? settings.AvailabilityZoneIds : ZoneChooser.Documented(Region));

    /// <summary>The repositories the services' images go to, with the registry login (masked in every log line).</summary>
    public async Task<ImageDestination> ImageDestinationAsync(CancellationToken cancellation)
    {
        if (destination is not null) return destination;
        var space = DeploymentNames.RepositoryNamespace(Environment);
        if (!UsesEcr)
            return destination = new ImageDestination($"{settings.Registry!.TrimEnd('/')}/{space}", RegistryLogin.From(settings), IsRegistry: true);

        var login = await new EcrClient(Connection, Http).GetAuthorizationAsync(cancellation);
        SecretMasker.Register(login.Password);
        // Before the first deploy the repositories do not exist yet: a dry run has nothing to look up in them.
        var repositoriesExist = !settings.DryRun || await CloudFormation.DescribeStackAsync(RegistryStack, cancellation) is not null;
        return destination = new ImageDestination($"{login.Registry}/{space}",
            new RegistryCredentials(login.Registry, login.Username, login.Password), IsRegistry: true)
        {
            RepositoriesExist = repositoriesExist,
        };
    }

    /// <summary>The HTTP API's endpoint from the shared stack's output, or --health-url.</summary>
    public async Task<Uri> HealthBaseUrlAsync(CancellationToken cancellation)
    {
        if (settings.HealthUrl is not null) return settings.HealthUrl;
        var stack = await CloudFormation.DescribeStackAsync(SharedStack, cancellation);
        if (stack?.Outputs.GetValueOrDefault(DeploymentNames.ApiEndpointOutput) is { Length: > 0 } endpoint)
            return new Uri(endpoint);
        if (settings.DryRun && stack is null)
            // The API's id is known only once the stack exists; this is the shape its endpoint output will have.
            return new Uri($"https://api-id-of-{SharedStack}.execute-api.{Connection.Region}.amazonaws.com/");
        throw new PipelineException(
            $"Stack {SharedStack} has no {DeploymentNames.ApiEndpointOutput} output to check health through" +
            (stack is null ? " (the stack does not exist: run ./build.sh Deploy first)." : ". Pass --health-url <base URL> to check another address."));
    }

    public void Dispose() => Http.Dispose();
}
