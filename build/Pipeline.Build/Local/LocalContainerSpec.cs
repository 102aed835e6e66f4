using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// The container one service runs as locally, derived from its manifest and image, on one 127.0.0.1 port.
/// <see cref="ConfigHash"/> covers everything here except the port and the name, which change with every replacement:
/// a running container with the same hash needs no change, whichever port it listens on. A secret's value enters the
/// environment but not the hash; its keyed fingerprint does (<see cref="LocalSecretValue.Fingerprint"/>), so a new value
/// replaces the container and the label reveals nothing. Every container learns where the environment's token issuer is
/// which audience its tokens carry and which scope a token needs for its routes (<c>AUTH_ISSUER</c>, <c>AUTH_AUDIENCE</c>,
/// <c>AUTH_SCOPE</c>: <see cref="DeploymentNames.ServiceScope"/>, the scope the gateway requires too), and the public origin
/// (<c>PUBLIC_BASE_URL</c>) it is reached at, to publish absolute URLs such as its OAuth metadata.
/// A service it <c>uses</c> is reached through the gateway's internal route (<see cref="LocalGatewayRoutes.InternalUrl(int, string)"/>),
/// which follows that service from port to port, so a caller never needs a restart when its callee is replaced.
/// </summary>
public sealed record LocalContainerSpec(
    string Name,
    ServiceManifest Service,
    string ImageReference,
    string ImageTag,
    int Port,
    IReadOnlyList<string> Environment,
    IReadOnlyDictionary<string, string> Labels,
    string ConfigHash)
{
    public Uri BaseUrl => new($"http://127.0.0.1:{Port}/");

    public Uri HealthUrl => new($"http://127.0.0.1:{Port}{Service.HealthPath}");

    /// <summary>The variables of <see cref="Environment"/> that hold secret values: never printed, never in a label.</summary>
    public IReadOnlyList<string> SecretVariables { get; init; } = [];

    /// <summary>Read-only bind mounts over the image's own files: the inner loop (<c>Dev</c>) serves saved sources this way.</summary>
    public IReadOnlyList<Mount> SourceMounts { get; init; } = [];

    /// <summary>The service's container under its usual name, on its manifest port.</summary>
    /// <param name="environment">The environment (<see cref="LocalGateway.Environment"/>): its tokens' audience and the service's scope.</param>
    /// <param name="secrets">The values of the service's declared secrets (<see cref="LocalSecretStore"/>).</param>
    public static LocalContainerSpec For(
        ServiceImage image, ServiceCatalog catalog, LocalPlatformNaming naming, int gatewayPort, string environment,
        IReadOnlyList<LocalSecretValue>? secrets = null)
    {
        var service = image.Service;
        secrets ??= [];
        var portIndependent = service.Environment
            .Select(e => $"{e.Key}={e.Value}")
            .Concat([
                "BIND_ADDRESS=127.0.0.1",
                $"ROOT_PATH={service.RoutePrefix}",
                $"HEALTH_PATH={service.HealthPath}",
                $"AUTH_ISSUER={LocalIssuerCredentials.IssuerUrl(gatewayPort)}",
                $"AUTH_AUDIENCE={LocalIssuerCredentials.AudienceFor(environment)}",
                $"AUTH_SCOPE={DeploymentNames.ServiceScope(environment, service.Name)}",
                $"PUBLIC_BASE_URL=http://127.0.0.1:{gatewayPort.ToString(CultureInfo.InvariantCulture)}",
            ])
            .Concat(service.Uses.Select(used => $"{catalog[used].UrlVariableName}={LocalGatewayRoutes.InternalUrl(gatewayPort, used)}"))
            .ToList();

        var hash = Hash(string.Join("\n", portIndependent
            .Prepend(image.Reference)
            .Append($"readonly={service.ReadOnlyRootFilesystem}")
            .Append($"user={ServiceContainer.User} scratch=volume")
            .Concat(secrets.Select(s => $"secret {s.Variable}={s.Fingerprint}"))));

        var labels = new Dictionary<string, string>
        {
            [LocalPlatformNaming.PlatformLabel] = naming.PlatformLabelValue,
            [LocalPlatformNaming.ServiceLabel] = service.Name,
            [LocalPlatformNaming.ImageTagLabel] = image.Tag,
            [LocalPlatformNaming.ConfigHashLabel] = hash,
        };
        var variables = portIndependent.Concat(secrets.Select(s => $"{s.Variable}={s.Value}")).ToList();
        return new LocalContainerSpec(naming.ContainerName(service.Name), service, image.Reference, image.Tag, service.Port, variables, labels, hash)
        {
            SecretVariables = secrets.Select(s => s.Variable).ToList(),
        }
            .On(service.Port, naming.ContainerName(service.Name));
    }

    /// <summary>The same container under another name and on another port (a replacement starting beside the live one).</summary>
    public LocalContainerSpec On(int port, string name) => this with
    {
        Name = name,
        Port = port,
        Environment = Environment.Where(e => !e.StartsWith("PORT=", StringComparison.Ordinal))
            .Append($"PORT={port.ToString(CultureInfo.InvariantCulture)}").ToList(),
        Labels = new Dictionary<string, string>(Labels) { [LocalPlatformNaming.PortLabel] = port.ToString(CultureInfo.InvariantCulture) },
    };

    /// <summary>The port a container of this platform listens on: its label, or (for one started before ports moved) its manifest port.</summary>
    public static int PortOf(ContainerInspectResponse container, ServiceManifest service) =>
        container.Config?.Labels is { } labels && labels.TryGetValue(LocalPlatformNaming.PortLabel, out var text)
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? port
            : service.Port;

    /// <summary>
    /// The container as Fargate runs the task: user <see cref="ServiceContainer.User"/>, the manifest's read-only root
    /// filesystem and, with it, an empty volume of its own on <see cref="ServiceContainer.ScratchPath"/> (removed with the
    /// container, as a task's bind mount goes with the task). Like ECS, Docker fills a new volume from the image's directory
    /// (owner and mode included) only when told to: <paramref name="imageDeclaresScratchVolume"/> (the image's
    /// <c>VOLUME</c>, <see cref="DeclaresScratchVolume"/>); otherwise the volume stays root-owned 0755, as Fargate's does,
    /// and a service that cannot write there fails here as it would on AWS.
    /// </summary>
    public CreateContainerParameters ToCreateParameters(bool imageDeclaresScratchVolume = true) => new()
    {
        Name = Name,
        Image = ImageReference,
        User = ServiceContainer.User,
        Env = Environment.ToList(),
        Labels = Labels.ToDictionary(),
        HostConfig = new HostConfig
        {
            NetworkMode = "host",
            ReadonlyRootfs = Service.ReadOnlyRootFilesystem,
            Mounts = Service.ReadOnlyRootFilesystem
                ?
                [
                    new Mount
                    {
                        Type = "volume",
                        Target = ServiceContainer.ScratchPath,
                        VolumeOptions = new VolumeOptions { NoCopy = !imageDeclaresScratchVolume },
                    },
                    .. SourceMounts,
                ]
                : SourceMounts.Count > 0 ? SourceMounts.ToList() : null,
            RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.UnlessStopped },
            // A server running as PID 1 gets no default SIGTERM handling; docker's init forwards the stop signal,
            // so a replacement waits for a clean shutdown instead of the full grace period.
            Init = true,
        },
    };

    /// <summary>Whether the image declares <see cref="ServiceContainer.ScratchPath"/> a <c>VOLUME</c>, which is what makes ECS copy its directory.</summary>
    public static bool DeclaresScratchVolume(ImageInspectResponse image) =>
        image.Config?.Volumes?.ContainsKey(ServiceContainer.ScratchPath) == true;

    static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
}
