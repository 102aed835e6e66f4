using System.Diagnostics;
using Pipeline.Manifests;

namespace Pipeline.Gateway;

/// <summary>
/// A new version of a service taking part of its traffic: <see cref="Percent"/> of the requests go to <see cref="Upstream"/>, the
/// rest to the route's upstream (the version that serves now). The local twin of ECS's production listener rule with two
/// weighted target groups. <see cref="Judge"/> watches the new version's answers and stops the shift when they cross
/// <see cref="RolloutThresholds"/>.
/// </summary>
public sealed record TrafficShift(Uri Upstream, double Percent, ShiftJudge Judge)
{
    /// <summary>The share the new version gets now: none once the judge has stopped the shift.</summary>
    public double EffectivePercent => Judge.Verdict is null ? Percent : 0;
}

/// <summary>
/// Judges a new version on its own requests only (the alarms on AWS watch its target group alone): its 5xx share and its p95
/// latency, against <see cref="RolloutThresholds"/>. A verdict is final and takes effect at the next request, with no
/// configuration change: that is what makes a local rollback take milliseconds.
/// </summary>
public sealed class ShiftJudge
{
    /// <summary>Latencies kept for the p95: the latest ones, so a slow start does not weigh forever.</summary>
    const int LatencyWindow = 500;

    readonly Lock gate = new();
    readonly Queue<double> latencies = new();
    long requests, failures, previousRequests, previousFailures;
    string? verdict;

    /// <summary>Why the shift was stopped, said of the new version (<c>had 3 of its 15 requests fail with 5xx …</c>), or null while it passes.</summary>
    public string? Verdict => Volatile.Read(ref verdict);

    public void Record(bool toNewVersion, int status, TimeSpan duration)
    {
        var failed = status >= 500;
        lock (gate)
        {
            if (!toNewVersion)
            {
                previousRequests++;
                if (failed) previousFailures++;
                return;
            }
            requests++;
            if (failed) failures++;
            latencies.Enqueue(duration.TotalSeconds);
            if (latencies.Count > LatencyWindow)
                latencies.Dequeue();
            verdict ??= Judge();
        }
    }

    /// <summary>Stops the shift on request (a rollback during the bake).</summary>
    public void Stop(string reason)
    {
        lock (gate)
            verdict ??= reason;
    }

    string? Judge()
    {
        var rate = 100.0 * failures / requests;
        if (failures >= RolloutThresholds.MinimumFailures && rate > RolloutThresholds.ErrorRatePercent)
            return $"had {failures} of its {requests} requests fail with 5xx ({rate:0.#} % > {RolloutThresholds.ErrorRatePercent} %)";
        if (latencies.Count >= RolloutThresholds.MinimumLatencySamples && P95() is var p95 && p95 > RolloutThresholds.P95LatencySeconds)
            return $"had a p95 latency of {p95:0.###} s over {latencies.Count} requests (> {RolloutThresholds.P95LatencySeconds} s)";
        return null;
    }

    double P95()
    {
        var sorted = latencies.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[(int)Math.Ceiling(0.95 * sorted.Length) - 1];
    }

    public sealed record Figures(long Requests, long Failures, double P95Milliseconds, long PreviousRequests, long PreviousFailures, string? Verdict);

    public Figures Read()
    {
        lock (gate)
            return new Figures(requests, failures, Math.Round(P95() * 1000, 1), previousRequests, previousFailures, verdict);
    }
}

/// <summary>
/// Proxy-pipeline middleware: for a service with a <see cref="TrafficShift"/>, picks the new or the current version for this
/// request by the shift's weight (by narrowing YARP's available destinations to one), then tells the judge how it went.
/// </summary>
public sealed class TrafficSplit(GatewayRouteTable routes)
{
    public const string NewVersionDestination = "next";

    public async Task RouteAsync(HttpContext context, Func<Task> next)
    {
        var proxy = context.Features.Get<Yarp.ReverseProxy.Model.IReverseProxyFeature>();
        var service = proxy?.Route.Config.Metadata?[GatewayRouteTable.ServiceMetadataKey];
        if (proxy is null || service is null || proxy.AvailableDestinations.Count < 2)
        {
            await next();
            return;
        }
        if (routes.FindByService(service)?.Shift is not { } shift)
        {
            // The shift just ended and the proxy has not dropped its second destination yet: the route's own upstream serves.
            proxy.AvailableDestinations = [.. proxy.AvailableDestinations.Where(d => d.DestinationId == service)];
            await next();
            return;
        }

        var toNewVersion = Random.Shared.NextDouble() * 100 < shift.EffectivePercent;
        var chosen = proxy.AvailableDestinations.FirstOrDefault(d => (d.DestinationId == NewVersionDestination) == toNewVersion);
        if (chosen is null)
        {
            await next();
            return;
        }
        proxy.AvailableDestinations = [chosen];
        var clock = Stopwatch.StartNew();
        try
        {
            await next();
        }
        finally
        {
            // A caller that went away is no verdict on the service.
            if (!context.RequestAborted.IsCancellationRequested)
                shift.Judge.Record(toNewVersion, context.Response.StatusCode, clock.Elapsed);
        }
    }
}
