using Pipeline.Build.Images;
using Pipeline.Manifests;

namespace Pipeline.Build.Deployment;

/// <summary>Everything a platform needs from the build's parameters, bound once per run.</summary>
public sealed record DeploySettings
{
    public required string RootDirectory { get; init; }
    public required string ArtifactsDirectory { get; init; }
    public required ServiceCatalog Catalog { get; init; }
    public required string Environment { get; init; }
    public required bool DryRun { get; init; }
    public string? Registry { get; init; }
    public string? RegistryUsername { get; init; }
    public string? RegistryPassword { get; init; }
    public string? BaseImageRegistry { get; init; }
    public string? AwsRegion { get; init; }
    public string? AwsProfile { get; init; }

    /// <summary>
    /// The role CloudFormation acts as: null, the environment's execution role; <see cref="OwnCredentials"/>, the caller's
    /// credentials; else the ARN of another role.
    /// </summary>
    public string? ExecutionRole { get; init; }

    public const string OwnCredentials = "none";
    public int NatGateways { get; init; } = 1;
    public int GatewayPort { get; init; } = 8080;
    /// <summary>Local: the gateway's issuer approves loopback authorization requests without its consent page (<c>LOCAL_AUTH_AUTO_APPROVE</c>).</summary>
    public bool LocalAuthAutoApprove { get; init; }
    public Uri? HealthUrl { get; init; }
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromMinutes(2);
    public TimeSpan RolloutTimeout { get; init; } = TimeSpan.FromMinutes(15);
    /// <summary>How many independent stacks deploy at once.</summary>
    public int MaxParallel { get; init; } = 4;
    /// <summary>How many recent successful deploys' images the ECR lifecycle policy never expires (and keep their deployed- tag).</summary>
    public int KeepDeployedImages { get; init; } = 10;
    /// <summary>An external identity provider's issuer; null: the environment runs its own (Cognito on AWS, the local issuer locally).</summary>
    public string? JwtIssuer { get; init; }
    /// <summary>The audience tokens of <see cref="JwtIssuer"/> carry for this API.</summary>
    public string? JwtAudience { get; init; }
    /// <summary>Redirect URIs the Cognito app client for interactive MCP clients accepts; empty: the CDK app's defaults.</summary>
    public IReadOnlyList<string> McpCallbackUrls { get; init; } = [];
    /// <summary>Where the environment's alarm topic sends notifications; neither set: alarms notify nobody and Deploy warns.</summary>
    public string? AlarmEmail { get; init; }
    public string? AlarmHttpsEndpoint { get; init; }
    /// <summary>AWS: the user pool and the ALBs are protected from deletion (the CDK app's --deletion-protection); Destroy refuses while it is on.</summary>
    public bool DeletionProtection { get; init; }
    /// <summary>AWS: the zone IDs of the VPC's subnets from the profile; empty: the pipeline chooses among those that support VPC links.</summary>
    public IReadOnlyList<string> AvailabilityZoneIds { get; init; } = [];
    /// <summary>AWS: the account the profile deploys to (<c>AwsAccount</c>); null: whichever account the credentials belong to.</summary>
    public string? AwsAccount { get; init; }
    /// <summary>The profile of the run (<c>--profile</c>), for the commands messages print; null: the defaults.</summary>
    public string? Profile { get; init; }

    /// <summary>This run's <c>--strategy</c>: replaces every rolled service's manifest strategy; null keeps them.</summary>
    public string? StrategyOverride { get; init; }
    /// <summary>This run's <c>--bake-time</c> in minutes; null keeps each manifest's.</summary>
    public int? BakeTimeOverride { get; init; }

    /// <summary>
    /// How long a strategy's minute lasts locally. A local rollout keeps the manifest's shape (shares, steps, order) on a
    /// shorter clock: nobody waits 8 minutes for a local Redeploy, and the local judge sees every request, not one-minute sums.
    /// </summary>
    public TimeSpan LocalMinute { get; init; } = DefaultLocalMinute;

    public static readonly TimeSpan DefaultLocalMinute = TimeSpan.FromSeconds(1);

    /// <summary>The strategy <paramref name="service"/> rolls out with in this run: its manifest's, with the run's overrides.</summary>
    public RolloutStrategy RolloutFor(ServiceManifest service) => service.Deployment.With(StrategyOverride, BakeTimeOverride);

    /// <summary>Where a profile setting of this run goes, for messages: <c>.nuke/parameters.&lt;profile&gt;.json</c>.</summary>
    public string ParametersFile => Profile is null ? ".nuke/parameters.json" : $".nuke/parameters.{Profile}.json";

    /// <summary><c> --profile &lt;profile&gt;</c> for a command a message prints, or nothing without a profile.</summary>
    public string ProfileArgument => Profile is null ? "" : $" --profile {Profile}";

    public string ServicesDirectory => Path.Combine(RootDirectory, "services");
}

/// <summary>Where the Deploy chain deploys to. The targets are the same; the platform decides what each means.</summary>
public enum PlatformKind
{
    /// <summary>Containers in the local Docker engine behind a local gateway with the HTTP API's routes.</summary>
    Local,

    /// <summary>ECR, CloudFormation, ECS Fargate and API Gateway.</summary>
    Aws,
}

/// <summary>Credentials for a registry given with --registry, when the user supplied them.</summary>
internal static class RegistryLogin
{
    public static RegistryCredentials? From(DeploySettings settings) =>
        settings.Registry is { Length: > 0 } registry && settings.RegistryUsername is { Length: > 0 } user
            ? new RegistryCredentials(registry.Split('/')[0], user, settings.RegistryPassword ?? "")
            : null;
}
