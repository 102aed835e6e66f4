using System.Security.Cryptography;
using System.Text;
using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// The container one service runs as locally, derived from its manifest and image only.
/// <see cref="ConfigHash"/> covers everything here, so a running container with the same hash needs no change.
/// </summary>
public sealed record LocalContainerSpec(
    string Name,
    ServiceManifest Service,
    string ImageReference,
    string ImageTag,
    IReadOnlyList<string> Environment,
    IReadOnlyDictionary<string, string> Labels,
    string ConfigHash)
{
    public Uri HealthUrl => new($"http://127.0.0.1:{Service.Port}{Service.HealthPath}");

    public static LocalContainerSpec For(ServiceImage image, ServiceCatalog catalog, LocalPlatformNaming naming)
    {
        var service = image.Service;
        var environment = service.Environment
            .Select(e => $"{e.Key}={e.Value}")
            .Concat([
                "BIND_ADDRESS=127.0.0.1",
                $"PORT={service.Port}",
                $"ROOT_PATH={service.RoutePrefix}",
                $"HEALTH_PATH={service.HealthPath}",
            ])
            .Concat(service.Uses.Select(used => catalog[used]).Select(used => $"{used.UrlVariableName}=http://127.0.0.1:{used.Port}"))
            .ToList();

        var hash = Hash(string.Join("\n", environment
            .Prepend(image.Reference)
            .Append($"readonly={service.ReadOnlyRootFilesystem}")));

        var labels = new Dictionary<string, string>
        {
            [LocalPlatformNaming.PlatformLabel] = naming.PlatformLabelValue,
            [LocalPlatformNaming.ServiceLabel] = service.Name,
            [LocalPlatformNaming.ImageTagLabel] = image.Tag,
            [LocalPlatformNaming.ConfigHashLabel] = hash,
        };
        return new LocalContainerSpec(naming.ContainerName(service.Name), service, image.Reference, image.Tag, environment, labels, hash);
    }

    public CreateContainerParameters ToCreateParameters() => new()
    {
        Name = Name,
        Image = ImageReference,
        Env = Environment.ToList(),
        Labels = Labels.ToDictionary(),
        HostConfig = new HostConfig
        {
            NetworkMode = "host",
            ReadonlyRootfs = Service.ReadOnlyRootFilesystem,
            Tmpfs = Service.ReadOnlyRootFilesystem ? new Dictionary<string, string> { ["/tmp"] = "rw,nosuid,nodev" } : null,
            RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.UnlessStopped },
            // A server running as PID 1 gets no default SIGTERM handling; docker's init forwards the stop signal,
            // so a replacement waits for a clean shutdown instead of the full grace period.
            Init = true,
        },
    };

    static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
