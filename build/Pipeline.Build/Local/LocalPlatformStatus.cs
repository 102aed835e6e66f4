using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// Reads what runs locally: each service's live container (the one the gateway routes to), its image tag, port and health,
/// any container of it still starting or draining during a replacement, and the gateway.
/// </summary>
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

        var shifts = gatewayRunning && !string.IsNullOrEmpty(record!.AdminToken)
            ? await new LocalGatewayRoutes(gateway, gatewayUrl.Port).ReadShiftsAsync(cancellationToken)
            : new Dictionary<string, ShiftState>();
        var services = new List<LocalServiceStatus>();
        foreach (var service in catalog.Services)
        {
            var shift = shifts.GetValueOrDefault(service.Name);
            var name = naming.ContainerName(service.Name);
            var viaGateway = new Uri(gatewayUrl, service.RoutePrefix + "/");
            var transient = new List<string>();
            foreach (var other in new[] { naming.NextContainerName(service.Name), naming.PreviousContainerName(service.Name) })
                if (await InspectOrNullAsync(other, cancellationToken) is { } container)
                    transient.Add($"{other} ({container.ID[..12]}, {container.State?.Status ?? "unknown"}, 127.0.0.1:{LocalContainerSpec.PortOf(container, service)})");

            var live = await InspectOrNullAsync(name, cancellationToken);
            if (live is null)
            {
                services.Add(new LocalServiceStatus(service.Name, name, null, null, "absent", false, viaGateway, new Uri($"http://127.0.0.1:{service.Port}"), transient, shift));
                continue;
            }
            var direct = new Uri($"http://127.0.0.1:{LocalContainerSpec.PortOf(live, service)}");
            var running = live.State?.Running == true;
            var healthy = running && await LocalHealthProbe.IsHealthyAsync(new Uri(direct, service.HealthPath), TimeSpan.FromSeconds(3), cancellationToken);
            var tag = live.Config?.Labels is { } labels && labels.TryGetValue(LocalPlatformNaming.ImageTagLabel, out var t) ? t : live.Config?.Image;
            services.Add(new LocalServiceStatus(service.Name, name, live.ID, tag, live.State?.Status ?? "unknown", healthy, viaGateway, direct, transient, shift));
        }
        var traffic = gatewayRunning
            ? await new LocalGatewayRoutes(gateway, gatewayUrl.Port).ReadTrafficAsync(catalog.Names, cancellationToken)
            : null;
        return new LocalPlatformSnapshot(services, gatewayStatus, traffic);
    }

    async Task<ContainerInspectResponse?> InspectOrNullAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await docker.Containers.InspectContainerAsync(name, cancellationToken);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
    }
}

/// <summary>Everything <c>Status</c> shows: each service's container and health, and the gateway.</summary>
/// <param name="Traffic">Each service's figures of the last 15 minutes from the gateway's counters; null without a gateway that counts.</param>
public sealed record LocalPlatformSnapshot(IReadOnlyList<LocalServiceStatus> Services, LocalGatewayStatus Gateway, IReadOnlyList<ServiceTraffic>? Traffic = null)
{
    public IReadOnlyList<string> ToLines()
    {
        var table = new TextTable("Service", "Container", "Image tag", "State", "Health", "Port", "URL");
        foreach (var s in Services)
            table.Add(s.Service, s.ContainerId is null ? "-" : $"{s.ContainerName} ({s.ContainerId[..12]})", s.ImageTag ?? "-",
                s.State, s.State == "absent" ? "-" : s.Healthy ? "healthy" : "unhealthy",
                s.ContainerId is null ? "-" : s.DirectUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), s.GatewayUrl.ToString());
        return
        [
            .. table.ToLines(indent: ""),
            .. Services.SelectMany(s => s.Replacing.Select(other => $"{s.Service}: also {other}: a replacement in progress or interrupted (the next deploy settles it)")),
            .. Services.Where(s => s.Shift is not null).Select(s => s.Shift!.Verdict is { } verdict
                ? $"{s.Service}: the new version at {s.Shift.Upstream.Authority} was stopped ({verdict}); the previous version takes all requests"
                : $"{s.Service}: the new version at {s.Shift.Upstream.Authority} takes {LocalTrafficShift.Percent(s.Shift.Percent)} of requests " +
                  $"(a rollout in progress): {LocalTrafficShift.Figures(s.Shift)}"),
            Gateway.Running
                ? $"gateway: {Gateway.Url} (pid {Gateway.ProcessId}, {(Gateway.Healthy ? "healthy" : "not answering")})"
                : "gateway: not running (./build.sh Deploy starts it)",
            .. Traffic is null ? [] : (string[])["", .. ServiceTrafficTable.Lines(Traffic, "the local gateway's counters, since it started")],
        ];
    }
}

/// <summary>
/// One service as it runs locally. <see cref="State"/> is Docker's (running, exited, …) or "absent"; <see cref="DirectUrl"/>
/// the live container's own address; <see cref="Replacing"/> the service's other containers (starting or draining), if any;
/// <see cref="Shift"/> the share of its traffic a new version takes during a canary, linear or blue/green rollout.
/// </summary>
public sealed record LocalServiceStatus(
    string Service,
    string ContainerName,
    string? ContainerId,
    string? ImageTag,
    string State,
    bool Healthy,
    Uri GatewayUrl,
    Uri DirectUrl,
    IReadOnlyList<string> Replacing,
    ShiftState? Shift = null);
