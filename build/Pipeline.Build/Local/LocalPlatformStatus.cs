using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>Reads what runs locally: each service's container, image tag and health, and the gateway.</summary>
public sealed class LocalPlatformStatus(IDockerClient docker, LocalGateway gateway, LocalPlatformNaming? naming = null)
{
    readonly LocalPlatformNaming naming = naming ?? LocalPlatformNaming.Default;

    public async Task<LocalPlatformSnapshot> ReadAsync(ServiceCatalog catalog, CancellationToken cancellationToken)
    {
        var record = LocalGatewayRecord.Read(gateway.RecordPath);
        var gatewayRunning = record is not null && record.IsProcessAlive();
        var gatewayUrl = record?.Url ?? new Uri($"http://127.0.0.1:{LocalGateway.DefaultPort}");
        var gatewayStatus = new LocalGatewayStatus(
            record?.ProcessId, gatewayRunning ? gatewayUrl : null, gatewayRunning,
            gatewayRunning && await LocalHealthProbe.IsHealthyAsync(new Uri(gatewayUrl, LocalGateway.HealthPath), TimeSpan.FromSeconds(3), cancellationToken));

        var services = new List<LocalServiceStatus>();
        foreach (var service in catalog.Services)
        {
            var name = naming.ContainerName(service.Name);
            var direct = new Uri($"http://127.0.0.1:{service.Port}");
            var viaGateway = new Uri(gatewayUrl, service.RoutePrefix + "/");
            ContainerInspectResponse? container;
            try
            {
                container = await docker.Containers.InspectContainerAsync(name, cancellationToken);
            }
            catch (DockerContainerNotFoundException)
            {
                container = null;
            }

            if (container is null)
            {
                services.Add(new LocalServiceStatus(service.Name, name, null, null, "absent", false, viaGateway, direct));
                continue;
            }
            var running = container.State?.Running == true;
            var healthy = running && await LocalHealthProbe.IsHealthyAsync(new Uri(direct, service.HealthPath), TimeSpan.FromSeconds(3), cancellationToken);
            var tag = container.Config?.Labels is { } labels && labels.TryGetValue(LocalPlatformNaming.ImageTagLabel, out var t) ? t : container.Config?.Image;
            services.Add(new LocalServiceStatus(service.Name, name, container.ID, tag, container.State?.Status ?? "unknown", healthy, viaGateway, direct));
        }
        return new LocalPlatformSnapshot(services, gatewayStatus);
    }
}
