using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.Build.Aws.Clients;

/// <summary>The CloudWatch Logs operations the pipeline uses: filtering a group, and a Logs Insights query over several.</summary>
public sealed class LogsClient(AwsConnection connection, HttpClient http)
{
    readonly AwsJsonClient json = new(connection, AwsService.CloudWatchLogs, "Logs_20140328", http);

    public Uri Endpoint => json.Endpoint;

    public AwsJsonClient Json => json;

    /// <summary>Events of <paramref name="logGroupName"/> since <paramref name="since"/>, up to <paramref name="limit"/>, oldest first.</summary>
    public async Task<IReadOnlyList<LogEvent>> FilterLogEventsAsync(
        string logGroupName, DateTimeOffset since, string? filterPattern, int limit, CancellationToken ct)
    {
        var events = new List<LogEvent>();
        string? nextToken = null;
        do
        {
            var request = new JsonObject { ["logGroupName"] = logGroupName, ["startTime"] = since.ToUnixTimeMilliseconds() };
            if (filterPattern is not null)
                request["filterPattern"] = filterPattern;
            if (nextToken is not null)
                request["nextToken"] = nextToken;
            var result = await json.CallAsync("FilterLogEvents", request, ct);
            events.AddRange(result.Items("events").Select(e => new LogEvent(Millis(e, "timestamp"), e.Text("logStreamName"), e.Text("message"))));
            nextToken = result.Text("nextToken") is { Length: > 0 } token ? token : null;
        }
        while (nextToken is not null && events.Count < limit);
        return events.Take(limit).ToList();
    }

    /// <summary>
    /// Starts one Logs Insights query of <paramref name="logGroupNames"/> (at most 50) over <paramref name="start"/> to
    /// <paramref name="end"/>, both included, in whole seconds as StartQuery takes them; returns the query's id.
    /// </summary>
    public async Task<string> StartQueryAsync(
        IReadOnlyList<string> logGroupNames, DateTimeOffset start, DateTimeOffset end, string queryString, CancellationToken ct)
    {
        var request = new JsonObject
        {
            ["logGroupNames"] = new JsonArray(logGroupNames.Select(n => (JsonNode)n).ToArray()),
            ["startTime"] = start.ToUnixTimeSeconds(),
            // Rounded up, so the last second's lines are inside the window.
            ["endTime"] = (end.ToUnixTimeMilliseconds() + 999) / 1000,
            ["queryString"] = queryString,
        };
        return (await json.CallAsync("StartQuery", request, ct)).Text("queryId");
    }

    /// <summary>The query's status and the rows it has so far, each a field name to value map (<c>@timestamp</c>, <c>@message</c>, ...).</summary>
    public async Task<InsightsQueryResults> GetQueryResultsAsync(string queryId, CancellationToken ct)
    {
        var result = await json.CallAsync("GetQueryResults", new JsonObject { ["queryId"] = queryId }, ct);
        var rows = result.Items("results")
            .Select(row => (IReadOnlyDictionary<string, string>)row.EnumerateArray()
                .GroupBy(f => f.Text("field"), StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Last().Text("value"), StringComparer.Ordinal))
            .ToList();
        var statistics = result.TryGetProperty("statistics", out var s) ? s : default;
        return new InsightsQueryResults(result.Text("status"), rows, statistics.Fraction("recordsScanned") ?? 0, statistics.Fraction("bytesScanned") ?? 0);
    }

    /// <summary>Stops a query that is still running, so it scans (and bills) no more.</summary>
    public Task StopQueryAsync(string queryId, CancellationToken ct) => json.CallAsync("StopQuery", new JsonObject { ["queryId"] = queryId }, ct);

    static DateTimeOffset Millis(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? DateTimeOffset.FromUnixTimeMilliseconds(value.GetInt64())
            : DateTimeOffset.MinValue;
}

/// <summary>One CloudWatch Logs line.</summary>
public sealed record LogEvent(DateTimeOffset Timestamp, string LogStreamName, string Message);

/// <summary>A Logs Insights query's state: <see cref="Status"/> is Scheduled, Running, Complete, Failed, Cancelled, Timeout or Unknown.</summary>
public sealed record InsightsQueryResults(string Status, IReadOnlyList<IReadOnlyDictionary<string, string>> Rows, double RecordsScanned, double BytesScanned)
{
    public bool IsRunning => Status is "Scheduled" or "Running";
}
