namespace Pipeline.Gateway.AccessLog;

/// <summary>
/// Each service's answers through its public routes over the last minutes: what <c>Status</c> shows locally, as the HTTP API's
/// per-route metrics (Count, 4xx, 5xx, Latency) show it on AWS. One sample per request, kept <see cref="Window"/> long and
/// at most <see cref="MaxSamplesPerService"/> per service, so a long run or a load test cannot grow the gateway without bound.
/// </summary>
public sealed class TrafficCounters(TimeProvider clock)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    public const int MaxSamplesPerService = 200_000;

    readonly record struct Sample(long At, int Status, double Milliseconds);

    readonly Dictionary<string, Queue<Sample>> samples = new(StringComparer.Ordinal);
    readonly Lock gate = new();

    public void Record(string service, int status, double milliseconds)
    {
        var now = clock.GetTimestamp();
        lock (gate)
        {
            if (!samples.TryGetValue(service, out var queue))
                samples[service] = queue = new Queue<Sample>();
            Prune(queue, now);
            if (queue.Count >= MaxSamplesPerService)
                queue.Dequeue();
            queue.Enqueue(new Sample(now, status, milliseconds));
        }
    }

    /// <summary>Each service's figures over the last <see cref="Window"/>, by service name.</summary>
    public IReadOnlyList<ServiceFigures> Read()
    {
        var now = clock.GetTimestamp();
        var copies = new List<(string Service, Sample[] Samples)>();
        lock (gate)
        {
            foreach (var (service, queue) in samples)
            {
                Prune(queue, now);
                copies.Add((service, queue.ToArray()));
            }
        }
        return copies.OrderBy(c => c.Service, StringComparer.Ordinal).Select(c => Figures(c.Service, c.Samples)).ToList();
    }

    void Prune(Queue<Sample> queue, long now)
    {
        while (queue.TryPeek(out var oldest) && clock.GetElapsedTime(oldest.At, now) > Window)
            queue.Dequeue();
    }

    static ServiceFigures Figures(string service, Sample[] window)
    {
        var latencies = window.Select(s => s.Milliseconds).Order().ToArray();
        return new ServiceFigures(
            service, window.Length,
            window.Count(s => s.Status is >= 400 and < 500),
            window.Count(s => s.Status >= 500),
            Percentile(latencies, 50), Percentile(latencies, 99));
    }

    /// <summary>Nearest rank: the smallest value at or above which <paramref name="percent"/> % of the values lie; CloudWatch's pNN of the same samples.</summary>
    internal static double? Percentile(double[] sorted, double percent)
    {
        if (sorted.Length == 0)
            return null;
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }
}

/// <summary>One service's answers in the window: all, 4xx, 5xx, and the median and 99th percentile latency in milliseconds (null without requests).</summary>
public sealed record ServiceFigures(string Service, long Requests, long ClientErrors, long ServerErrors, double? P50Milliseconds, double? P99Milliseconds);
