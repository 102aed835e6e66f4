using System.Diagnostics;
using System.Net.Sockets;
using Xunit.Sdk;

namespace Pipeline.TestSupport;

/// <summary>
/// Waits in a test for something that comes true in its own time (a server that answers, a log line that arrives, a stack
/// that settles): looks at it every <c>every</c> (100 ms unless told) until the condition holds, or fails at the deadline
/// with what was awaited and what was last seen. A look that fails with a passing network error (connection refused, a
/// request that timed out) counts as what was seen; any other exception ends the wait at once, so a look can also stop it
/// early by throwing (the server exited, the container stopped).
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(100);

    const int LongestDescription = 2000;

    /// <param name="awaited">What the test waits for, as the failure says it: "web to answer http://127.0.0.1:8000/health".</param>
    /// <param name="observe">One look.</param>
    /// <param name="condition">Whether a look shows what is awaited.</param>
    /// <param name="timeout">How long to keep looking.</param>
    /// <param name="every">The pause between two looks.</param>
    /// <param name="describe">How a look reads in the failure; its <c>ToString()</c> unless told.</param>
    /// <param name="details">More for the failure, e.g. the server's output or the container's log.</param>
    /// <returns>The look that showed it.</returns>
    public static async Task<T> UntilAsync<T>(
        string awaited,
        Func<Task<T>> observe,
        Func<T, bool> condition,
        TimeSpan timeout,
        TimeSpan? every = null,
        Func<T, string>? describe = null,
        Func<Task<string>>? details = null)
    {
        var interval = every ?? DefaultInterval;
        var clock = Stopwatch.StartNew();
        var looks = 0;
        var last = "nothing (no look finished)";
        while (true)
        {
            looks++;
            try
            {
                var observed = await observe();
                if (condition(observed))
                    return observed;
                last = describe is null ? observed?.ToString() ?? "null" : describe(observed);
            }
            catch (Exception e) when (IsPassing(e))
            {
                last = $"{e.GetType().Name}: {e.Message}";
            }
            var remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
                break;
            await Task.Delay(interval < remaining ? interval : remaining);
        }
        if (last.Length > LongestDescription)
            last = "..." + last[^LongestDescription..];
        var more = details is null ? "" : "\n" + await details();
        throw new XunitException($"Waited {timeout.TotalSeconds:0.#} s ({looks} looks) for {awaited}; last seen: {last}{more}");
    }

    /// <summary>The same for a look that needs no waiting of its own.</summary>
    public static Task<T> UntilAsync<T>(
        string awaited,
        Func<T> observe,
        Func<T, bool> condition,
        TimeSpan timeout,
        TimeSpan? every = null,
        Func<T, string>? describe = null,
        Func<Task<string>>? details = null) =>
        UntilAsync(awaited, () => Task.FromResult(observe()), condition, timeout, every, describe, details);

    static bool IsPassing(Exception e) =>
        e is HttpRequestException or SocketException or IOException ||
        // HttpClient reports its own timeout as a cancellation.
        e is TaskCanceledException { InnerException: TimeoutException };
}
