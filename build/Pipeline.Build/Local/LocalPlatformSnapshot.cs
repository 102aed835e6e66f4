namespace Pipeline.Build.Local;

/// <summary>Everything <c>Status</c> shows: each service's container and health, and the gateway.</summary>
public sealed record LocalPlatformSnapshot(IReadOnlyList<LocalServiceStatus> Services, LocalGatewayStatus Gateway)
{
    public IReadOnlyList<string> ToLines()
    {
        var rows = Services.Select(s => new[]
        {
            s.Service, s.ContainerId is null ? "-" : $"{s.ContainerName} ({s.ContainerId[..12]})", s.ImageTag ?? "-",
            s.State, s.State == "absent" ? "-" : s.Healthy ? "healthy" : "unhealthy", s.GatewayUrl.ToString(),
        }).Prepend(["SERVICE", "CONTAINER", "IMAGE TAG", "STATE", "HEALTH", "URL"]).ToList();
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var lines = rows.Select(r => string.Join("  ", r.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd()).ToList();
        lines.Add(Gateway.Running
            ? $"gateway: {Gateway.Url} (pid {Gateway.ProcessId}, {(Gateway.Healthy ? "healthy" : "not answering")})"
            : "gateway: not running (./build.sh Deploy starts it)");
        return lines;
    }
}
