using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.Build.Aws.Clients;

/// <summary>The CloudWatch Logs operations the pipeline uses: filtering a group and reading one stream.</summary>
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

    static DateTimeOffset Millis(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? DateTimeOffset.FromUnixTimeMilliseconds(value.GetInt64())
            : DateTimeOffset.MinValue;
}

/// <summary>One CloudWatch Logs line.</summary>
public sealed record LogEvent(DateTimeOffset Timestamp, string LogStreamName, string Message);
