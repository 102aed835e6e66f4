using Pipeline.Build.Docker;

namespace Pipeline.Build.Platforms;

/// <summary>
/// Where a platform's images live: <see cref="RepositoryRoot"/> + "/" + service name is each image's repository.
/// Without a registry the images stay in the local engine and nothing is pushed.
/// </summary>
public sealed record ImageDestination(string RepositoryRoot, RegistryCredentials? Credentials, bool IsRegistry)
{
    /// <summary>False before the first deploy of an environment whose registry is created with it (a dry run looks nothing up there).</summary>
    public bool RepositoriesExist { get; init; } = true;

    public string Describe() => IsRegistry ? $"registry {RepositoryRoot}" : "the local Docker engine (no registry)";
}
