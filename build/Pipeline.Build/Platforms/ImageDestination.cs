using Pipeline.Build.Docker;

namespace Pipeline.Build.Platforms;

/// <summary>
/// Where a platform's images live: <see cref="RepositoryRoot"/> + "/" + service name is each image's repository.
/// Without a registry the images stay in the local engine and nothing is pushed.
/// </summary>
public sealed record ImageDestination(string RepositoryRoot, RegistryCredentials? Credentials, bool IsRegistry)
{
    public string Describe() => IsRegistry ? $"registry {RepositoryRoot}" : "the local Docker engine (no registry)";
}
