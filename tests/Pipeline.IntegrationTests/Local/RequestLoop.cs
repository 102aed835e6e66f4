using System.Diagnostics;

namespace Pipeline.IntegrationTests.Local;

/// <summary>
/// Concurrent clients calling one URL in a loop, bounded by a request count and a duration, until stopped. Counts every
/// answer that is not a 2xx (and every request that gets no answer) as a failure, and measures the longest stretch without
/// a successful answer. Each client keeps its connections alive, like a browser or an SDK would.
/// </summary>
public sealed class RequestLoop
{
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly CancellationTokenSource stop = new();
    readonly List<TimeSpan> successes = [];
    readonly List<string> failures = [];
    readonly List<Task> clients;
    readonly TimeSpan pause;
    readonly TimeSpan maxDuration;
    long finishedTicks;
    int requests;

    RequestLoop(Uri url, int clientCount, int maxRequests, TimeSpan maxDuration, TimeSpan pause)
    {
        this.pause = pause;
        this.maxDuration = maxDuration;
        stop.CancelAfter(maxDuration);
        clients = Enumerable.Range(0, clientCount).Select(_ => Task.Run(() => RunClientAsync(url, maxRequests))).ToList();
    }

    /// <param name="pause">Each client's pause between two requests, so the bounds cover the whole operation under test.</param>
    public static RequestLoop Start(Uri url, int clients = 4, int maxRequests = 10_000, TimeSpan? maxDuration = null, TimeSpan? pause = null) =>
        new(url, clients, maxRequests, maxDuration ?? TimeSpan.FromSeconds(20), pause ?? TimeSpan.FromMilliseconds(5));

    public TimeSpan Elapsed => clock.Elapsed;

    public int Successes
    {
        get
        {
            lock (successes) return successes.Count;
        }
    }

    /// <summary>Waits until <paramref name="count"/> more requests succeeded than when called (or the loop ended).</summary>
    public Task WaitForSuccessesAsync(int count)
    {
        var target = Successes + count;
        // The loop ends by itself within maxDuration, so the wait never reaches its own deadline.
        return Eventually.UntilAsync($"{count} more successful answers from {target - count} (or the end of the loop)",
            () => Successes, successes => successes >= target || stop.IsCancellationRequested, maxDuration, every: TimeSpan.FromMilliseconds(20));
    }

    async Task RunClientAsync(Uri url, int maxRequests)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            while (!stop.IsCancellationRequested && Interlocked.Increment(ref requests) <= maxRequests)
            {
                string? failure;
                try
                {
                    using var response = await http.GetAsync(url, stop.Token);
                    var body = await response.Content.ReadAsStringAsync(stop.Token);
                    failure = response.IsSuccessStatusCode ? null : $"{(int)response.StatusCode} {response.StatusCode} {body[..Math.Min(body.Length, 400)]}";
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    failure = e.Message;
                }
                var at = clock.Elapsed;
                if (failure is null)
                    lock (successes) successes.Add(at);
                else
                    lock (failures) failures.Add($"{at.TotalSeconds:0.000} s: {failure}");
                if (pause > TimeSpan.Zero)
                    await Task.Delay(pause);
            }
        }
        finally
        {
            var ended = clock.Elapsed.Ticks;
            long seen;
            while (ended > (seen = Interlocked.Read(ref finishedTicks)) && Interlocked.CompareExchange(ref finishedTicks, ended, seen) != seen)
            {
            }
        }
    }

    public async Task<RequestLoopResult> StopAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(clients);
        List<TimeSpan> times;
        lock (successes) times = successes.Order().ToList();
        lock (failures)
            // When the loop ran into its bounds before it was stopped, it ends there.
            return new RequestLoopResult(times.Count + failures.Count, failures.Count, failures.Take(10).ToList(), times,
                TimeSpan.FromTicks(Interlocked.Read(ref finishedTicks)));
    }
}

/// <summary>What a <see cref="RequestLoop"/> saw; times are from the loop's start.</summary>
public sealed record RequestLoopResult(int Requests, int Failures, IReadOnlyList<string> FirstFailures, IReadOnlyList<TimeSpan> SuccessTimes, TimeSpan Duration)
{
    /// <summary>The longest stretch without a successful answer from the first success to the end of the loop.</summary>
    public (TimeSpan Length, TimeSpan From) LongestGap => LongestGapBetween(SuccessTimes.Count > 0 ? SuccessTimes[0] : TimeSpan.Zero, Duration);

    /// <summary>The longest stretch without a successful answer that overlaps [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public (TimeSpan Length, TimeSpan From) LongestGapBetween(TimeSpan from, TimeSpan to)
    {
        var longest = (Length: TimeSpan.Zero, From: from);
        var previous = SuccessTimes.LastOrDefault(t => t <= from, TimeSpan.Zero);
        foreach (var time in SuccessTimes.Where(t => t > from).Append(Duration))
        {
            if (time - previous > longest.Length)
                longest = (time - previous, previous);
            previous = time;
            if (time >= to)
                break;
        }
        return longest;
    }

    public override string ToString() =>
        $"{Requests} requests in {Duration.TotalSeconds:0.0} s, {Failures} failed, longest gap without a successful answer " +
        $"{LongestGap.Length.TotalSeconds:0.000} s (from {LongestGap.From.TotalSeconds:0.000} s)" +
        (FirstFailures.Count == 0 ? "" : "; first failures: " + string.Join("; ", FirstFailures));
}
