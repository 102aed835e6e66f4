using Docker.DotNet;
using Pipeline.Build.Local;

namespace Pipeline.Build.Dev;

/// <summary>
/// What every part of a Dev session shares: the engine, the repository, where snapshots go
/// (<c>artifacts/&lt;env&gt;/dev/&lt;service&gt;/&lt;n&gt;</c>, removed when the session ends) and the platform's naming.
/// </summary>
public sealed record DevContext(IDockerClient Docker, string RootDirectory, string DevDirectory, LocalPlatformNaming Naming, string? BaseImageRegistry)
{
    /// <summary>Marks the session's containers (and says which change or role each has), beside the platform label Down removes by.</summary>
    public const string DevLabel = "apigw.dev";

    public string SnapshotsOf(string service) => Path.Combine(DevDirectory, service);

    public Dictionary<string, string> DevLabels(string service, string role) => new()
    {
        [LocalPlatformNaming.PlatformLabel] = Naming.PlatformLabelValue,
        [LocalPlatformNaming.ServiceLabel] = service,
        [DevLabel] = role,
    };
}
