namespace Pipeline.Build.Docker;

/// <summary>How <see cref="ImageBuilder"/> builds.</summary>
public sealed record ImageBuildOptions
{
    /// <summary>
    /// Registry to pull base images from under their official names (passed to Dockerfiles as
    /// <c>BASE_IMAGE_PREFIX=&lt;registry&gt;/</c>), e.g. <c>127.0.0.1:5000</c>. Default: none, the official registries.
    /// </summary>
    public string? BaseImageRegistry { get; init; }

    /// <summary>Print what would be built, with the tags, and build nothing. Default: false.</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// Whether the images' repositories are in a registry; then a tag already there is not rebuilt.
    /// False for a local platform that keeps images in the engine only. Default: true.
    /// </summary>
    public bool CheckRegistry { get; init; } = true;

    /// <summary>Run every Dockerfile step again instead of reusing the engine's layer cache. Default: false.</summary>
    public bool NoCache { get; init; }

    /// <summary>Login for the target registry, used to look up existing tags. Default: none (anonymous).</summary>
    public RegistryCredentials? RegistryCredentials { get; init; }
}
