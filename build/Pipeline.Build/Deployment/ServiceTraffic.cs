using System.Globalization;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Deployment;

/// <summary>
/// A service's answers through the gateway over a recent window, as <c>Status</c> shows them: requests, client (4xx) and
/// server (5xx) errors, and the median and 99th percentile latency. On AWS these are the HTTP API's per-route metrics; locally
/// the gateway's own counters.
/// </summary>
public sealed record ServiceTraffic(string Service, long Requests, long ClientErrors, long ServerErrors, double? P50Milliseconds, double? P99Milliseconds)
{
    /// <summary>The share of answers that were errors (4xx and 5xx), or null without requests.</summary>
    public double? ErrorRate => Requests == 0 ? null : (double)(ClientErrors + ServerErrors) / Requests;
}

/// <summary>The traffic part of <c>Status</c>: one table, one row per service, and where the figures come from.</summary>
public static class ServiceTrafficTable
{
    /// <summary>The window <c>Status</c> looks at.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    public static IReadOnlyList<string> Lines(IReadOnlyList<ServiceTraffic> traffic, string source)
    {
        var table = new TextTable("Service", "Requests", "4xx", "5xx", "Error rate", "p50", "p99");
        foreach (var t in traffic)
            table.Add(t.Service, t.Requests.ToString(CultureInfo.InvariantCulture), t.ClientErrors.ToString(CultureInfo.InvariantCulture),
                t.ServerErrors.ToString(CultureInfo.InvariantCulture), Percent(t.ErrorRate), Milliseconds(t.P50Milliseconds), Milliseconds(t.P99Milliseconds));
        return
        [
            $"Traffic of the last {Window.TotalMinutes:0} minutes ({source}; the error rate counts 4xx and 5xx answers):",
            .. table.ToLines(indent: ""),
        ];
    }

    static string Percent(double? rate) => rate is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %" : "-";

    static string Milliseconds(double? value) => value switch
    {
        null => "-",
        < 10 => value.Value.ToString("0.0", CultureInfo.InvariantCulture) + " ms",
        _ => value.Value.ToString("0", CultureInfo.InvariantCulture) + " ms",
    };
}
