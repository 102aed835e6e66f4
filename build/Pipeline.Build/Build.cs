using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Manifests;

namespace Pipeline.Build;

/// <summary>
/// The pipeline's parameters. Targets live in the other Build.*.cs files, one concern each.
/// </summary>
public sealed partial class Build : PipelineBuild
{
    [Parameter("Where to deploy")]
    public PlatformKind Platform { get; set; } = PlatformKind.Local;

    [Parameter("Name of the environment; part of every stack, repository and container name")]
    public string DeployEnvironment { get; set; } = "local";

    [Parameter("Which service to build, push, roll and check: a folder under services/, or all")]
    public string Service { get; set; } = AllServices;

    [Parameter("Registry that holds the base images under their official names (mirror or air-gapped), e.g. 127.0.0.1:5000")]
    public string? BaseImageRegistry { get; set; }

    [Parameter("Pull every base image again before tagging, so a patched base image under the same tag is rebuilt")]
    public bool Pull { get; set; }

    [Parameter("How .NET services' images are made: auto publishes on the host when a .NET SDK of the Dockerfile's major version is there " +
               "(incremental, one thin layer on the Dockerfile's runtime-base stage), else builds in the Dockerfile; host requires the host SDK; " +
               "dockerfile always builds in the Dockerfile")]
    public ImageBuildMode ImageBuild { get; set; } = ImageBuildMode.Auto;

    [Parameter("Push images here instead of the platform's registry (ECR on AWS), e.g. 127.0.0.1:5000")]
    public string? Registry { get; set; }

    [Parameter("User name for --registry, if it needs one")]
    public string? RegistryUsername { get; set; }

    [Parameter("Password or token for --registry", Secret = true)]
    public string? RegistryPassword { get; set; }

    [Parameter("AWS region (the SDK's own resolution applies when unset)")]
    public string? AwsRegion { get; set; }

    [Parameter("AWS named profile (shared config/credentials files; SSO and assume-role profiles too); the SDK's default chain applies when unset")]
    public string? AwsProfile { get; set; }

    [Parameter("AWS: the two Availability Zone IDs (IDs such as use1-az1, not names such as us-east-1a) of the VPC's subnets, comma-separated; " +
               "unset: the first two, by ID, of the region's zones that support HTTP API VPC links. Deploy and Preflight check them against the region")]
    public string[]? AvailabilityZoneIds { get; set; }

    [Parameter("NAT gateways in the VPC: 1 is cheap (dev), one per AZ survives an AZ outage (prod)")]
    public int NatGateways { get; set; } = 1;

    [Parameter("Base URL for HealthCheck instead of the deployed API endpoint, e.g. http://127.0.0.1:8080")]
    public Uri? HealthUrl { get; set; }

    [Parameter("How long HealthCheck keeps retrying before it fails")]
    public TimeSpan HealthTimeout { get; set; } = DefaultHealthTimeout;

    [Parameter("How long UpdateServices waits for a rollout to reach steady state")]
    public TimeSpan RolloutTimeout { get; set; } = DefaultRolloutTimeout;

    internal static readonly TimeSpan DefaultHealthTimeout = TimeSpan.FromSeconds(120);
    internal static readonly TimeSpan DefaultRolloutTimeout = TimeSpan.FromMinutes(15);

    [Parameter("How many independent service stacks deploy at once", Minimum = 1, Maximum = 32)]
    public int MaxParallel { get; set; } = 4;

    [Parameter("Port of the local gateway on 127.0.0.1", Minimum = 1, Maximum = 65535)]
    public int GatewayPort { get; set; } = 8080;

    [Parameter("Local: the issuer approves authorization requests for loopback redirect URIs at once, without its consent page (tests and scripts that drive MCP clients headlessly)")]
    public bool LocalAuthAutoApprove { get; set; }

    [Parameter("Issuer URL of your own identity provider (Entra, Auth0, Okta, Cognito) whose tokens the API accepts; unset: the environment runs its own (Cognito on AWS, the local issuer locally)")]
    public string? JwtIssuer { get; set; }

    [Parameter("Audience the tokens of --jwt-issuer carry for this API (for Cognito: the app client id)")]
    public string? JwtAudience { get; set; }

    [Parameter("Redirect URIs of the interactive MCP clients the environment's Cognito app client accepts (AWS, own issuer only), comma-separated; unset: the loopback and web callbacks of VS Code, MCP Inspector, Claude, Claude Code and Cursor")]
    public string[]? McpCallbackUrls { get; set; }

    [Parameter("E-mail address the environment's alarm topic notifies (AWS); confirm the subscription e-mail AWS sends")]
    public string? AlarmEmail { get; set; }

    [Parameter("HTTPS endpoint the environment's alarm topic notifies (AWS), e.g. a chat or paging webhook")]
    public string? AlarmHttpsEndpoint { get; set; }

    [Parameter("AWS: protect what the templates cannot rebuild: the Cognito user pool (deletion protection, retained when its stack goes) and every ALB " +
               "(deletion protection). Destroy refuses while it is on; set it false, Deploy, then Destroy. On in prod's profile")]
    public bool DeletionProtection { get; set; }

    [Parameter("How new versions take over their traffic in this run, for every service it rolls: rolling, blue-green, canary or linear; " +
               "unset: each manifest's deployment.strategy (services/<name>/service.json)")]
    public string? Strategy { get; set; }

    [Parameter("Minutes the previous version is kept after all traffic moved, to switch back to at once (0-1440); unset: each manifest's deployment.bakeTimeMinutes",
               Minimum = 0, Maximum = 1440)]
    public int? BakeTime { get; set; }

    [Parameter("Local: how long one minute of a strategy's timings (canary, step and bake minutes) lasts on the local platform")]
    public TimeSpan LocalMinute { get; set; } = DeploySettings.DefaultLocalMinute;

    [Parameter("Logs: keep streaming new lines")]
    public bool Follow { get; set; }

    [Parameter("Logs: how many recent lines to show", Minimum = 0)]
    public int Tail { get; set; } = 100;

    [Parameter("Logs: only the lines of this request, from the gateway and every service, in time order " +
               "(the id is the apigw-requestid or X-Request-Id header of its response)")]
    public string? RequestId { get; set; }

    [Parameter("Logs: how far back to look, e.g. 30s, 15m, 2h; unset: 1 h, or 24 h with --request-id (locally: what the containers and gateway kept)")]
    public TimeSpan? Since { get; set; }

    public const string AllServices = "all";

    ServiceCatalog? catalog;

    /// <summary>The services under services/, read once.</summary>
    internal ServiceCatalog Catalog => catalog ??= ServiceCatalog.Load(Path.Combine(RootDirectory, "services"));

    /// <summary>The services selected with --service.</summary>
    internal IReadOnlyList<ServiceManifest> SelectedServices =>
        Service == AllServices ? Catalog.Services : [Catalog[Service]];

    internal string ArtifactsDirectory => Path.Combine(RootDirectory, "artifacts");

    /// <summary>The profiles (<c>.nuke/parameters.&lt;name&gt;.json</c>) whose Platform is aws, by name.</summary>
    internal IReadOnlyList<string> AwsProfiles() =>
        Profiles.Names
            .Where(name => string.Equals(Profiles.ValueOf(name, nameof(Platform)), nameof(PlatformKind.Aws), StringComparison.OrdinalIgnoreCase))
            .ToList();

    protected internal override IReadOnlyList<string>? ValidValuesOf(string parameterName) =>
        parameterName switch
        {
            nameof(Service) => [.. Catalog.Names, AllServices],
            nameof(Strategy) => RolloutStrategy.Names,
            _ => null,
        };
}
