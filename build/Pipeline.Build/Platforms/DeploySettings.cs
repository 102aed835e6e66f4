using Pipeline.Manifests;

namespace Pipeline.Build.Platforms;

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
    public int NatGateways { get; init; } = 1;
    public int GatewayPort { get; init; } = 8080;
    public Uri? HealthUrl { get; init; }
    public TimeSpan HealthTimeout { get; init; } = TimeSpan.FromMinutes(2);
    public TimeSpan RolloutTimeout { get; init; } = TimeSpan.FromMinutes(15);

    public string ServicesDirectory => Path.Combine(RootDirectory, "services");
}
