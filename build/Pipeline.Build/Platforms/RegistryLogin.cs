using Pipeline.Build.Docker;

namespace Pipeline.Build.Platforms;

/// <summary>Credentials for a registry given with --registry, when the user supplied them.</summary>
internal static class RegistryLogin
{
    public static RegistryCredentials? From(DeploySettings settings) =>
        settings.Registry is { Length: > 0 } registry && settings.RegistryUsername is { Length: > 0 } user
            ? new RegistryCredentials(registry.Split('/')[0], user, settings.RegistryPassword ?? "")
            : null;
}
