namespace Pipeline.Build.Local;

/// <summary>
/// How the local platform marks what it owns. Everything it starts carries the platform label, and
/// <c>Down</c> removes exactly that. Tests pass their own prefix and label so they never touch a real local deploy.
/// A service's live container always has <see cref="ContainerName"/>; during a replacement the new one starts as
/// <see cref="NextContainerName"/> and the old one drains as <see cref="PreviousContainerName"/>.
/// </summary>
public sealed record LocalPlatformNaming(string NamePrefix = "apigw-local", string PlatformLabelValue = "local")
{
    public const string PlatformLabel = "apigw.platform";
    public const string ServiceLabel = "apigw.service";
    public const string ImageTagLabel = "apigw.image-tag";
    public const string ConfigHashLabel = "apigw.config-hash";

    /// <summary>The 127.0.0.1 port the container listens on (its manifest port, or another one after a replacement).</summary>
    public const string PortLabel = "apigw.port";

    public static LocalPlatformNaming Default { get; } = new();

    /// <summary>The naming of an environment's local platform: containers <c>apigw-&lt;env&gt;-&lt;service&gt;</c>, label value the environment.</summary>
    public static LocalPlatformNaming ForEnvironment(string environment) => new($"apigw-{environment}", environment);

    /// <summary>The service's live container: the one the gateway routes to, the one Status and Logs show.</summary>
    public string ContainerName(string service) => $"{NamePrefix}-{service}";

    /// <summary>A replacement while it starts and until it passes its health check; it takes <see cref="ContainerName"/> then.</summary>
    public string NextContainerName(string service) => $"{NamePrefix}-{service}-next";

    /// <summary>The replaced container while the gateway drains it; removed once it is quiet.</summary>
    public string PreviousContainerName(string service) => $"{NamePrefix}-{service}-previous";

    public string PlatformFilter => $"{PlatformLabel}={PlatformLabelValue}";
}
