using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Build.Engine;
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

/// <summary>Everything <c>Status</c> shows: each service's container and health, and the gateway.</summary>
public sealed record LocalPlatformSnapshot(IReadOnlyList<LocalServiceStatus> Services, LocalGatewayStatus Gateway)
{
    public IReadOnlyList<string> ToLines()
    {
        var table = new TextTable("Service", "Container", "Image tag", "State", "Health", "URL");
        foreach (var s in Services)
            table.Add(s.Service, s.ContainerId is null ? "-" : $"{s.ContainerName} ({s.ContainerId[..12]})", s.ImageTag ?? "-",
                s.State, s.State == "absent" ? "-" : s.Healthy ? "healthy" : "unhealthy", s.GatewayUrl.ToString());
        return
        [
            .. table.ToLines(indent: ""),
            Gateway.Running
                ? $"gateway: {Gateway.Url} (pid {Gateway.ProcessId}, {(Gateway.Healthy ? "healthy" : "not answering")})"
                : "gateway: not running (./build.sh Deploy starts it)",
        ];
    }
}

/// <summary>One service as it runs locally. <see cref="State"/> is Docker's (running, exited, …) or "absent".</summary>
public sealed record LocalServiceStatus(
    string Service,
    string ContainerName,
    string? ContainerId,
    string? ImageTag,
    string State,
    bool Healthy,
    Uri GatewayUrl,
    Uri DirectUrl);
