namespace Pipeline.Build.Local;

/// <summary>
/// How the local platform marks what it owns. Everything it starts carries the platform label, and
/// <c>Down</c> removes exactly that. Tests pass their own prefix and label so they never touch a real local deploy.
/// </summary>
public sealed record LocalPlatformNaming(string NamePrefix = "apigw-local", string PlatformLabelValue = "local")
{
    public const string PlatformLabel = "apigw.platform";
    public const string ServiceLabel = "apigw.service";
    public const string ImageTagLabel = "apigw.image-tag";
    public const string ConfigHashLabel = "apigw.config-hash";

    public static LocalPlatformNaming Default { get; } = new();

    public string ContainerName(string service) => $"{NamePrefix}-{service}";

    /// <summary>Where the running container waits while its replacement starts, so a failed start can put it back.</summary>
    public string PreviousContainerName(string service) => $"{NamePrefix}-{service}-previous";

    public string PlatformFilter => $"{PlatformLabel}={PlatformLabelValue}";
}
