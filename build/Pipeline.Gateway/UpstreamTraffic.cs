using System.Collections.Concurrent;
using System.Diagnostics;
using Yarp.ReverseProxy.Model;

namespace Pipeline.Gateway;

/// <summary>
/// Requests in flight and the last activity per upstream address, counted around every forward. After a route switch
/// the pipeline asks for the previous upstream's numbers and stops its container only once it is quiet (drained).
/// </summary>
public sealed class UpstreamTraffic
{
    readonly ConcurrentDictionary<string, Counter> counters = new(StringComparer.OrdinalIgnoreCase);

    sealed class Counter
    {
        public int InFlight;
        public long Requests;
        public long LastActivity = Stopwatch.GetTimestamp();
    }

    public sealed record Snapshot(string Address, int InFlight, long Requests, long IdleMilliseconds);

    /// <summary>Proxy-pipeline middleware: counts the request against the destination YARP is about to use.</summary>
    public async Task TrackAsync(HttpContext context, Func<Task> next)
    {
        var destinations = context.Features.Get<IReverseProxyFeature>()?.AvailableDestinations;
        if (destinations is not { Count: > 0 })
        {
            await next();
            return;
        }
        var counter = counters.GetOrAdd(destinations[0].Model.Config.Address, _ => new Counter());
        Interlocked.Increment(ref counter.InFlight);
        Interlocked.Increment(ref counter.Requests);
        Volatile.Write(ref counter.LastActivity, Stopwatch.GetTimestamp());
        try
        {
            await next();
        }
        finally
        {
            Volatile.Write(ref counter.LastActivity, Stopwatch.GetTimestamp());
            Interlocked.Decrement(ref counter.InFlight);
        }
    }

    public IReadOnlyList<Snapshot> Read() => counters
        .Select(c => new Snapshot(
            c.Key,
            Volatile.Read(ref c.Value.InFlight),
            Interlocked.Read(ref c.Value.Requests),
            (long)Stopwatch.GetElapsedTime(Volatile.Read(ref c.Value.LastActivity)).TotalMilliseconds))
        .OrderBy(s => s.Address, StringComparer.Ordinal)
        .ToList();
}
