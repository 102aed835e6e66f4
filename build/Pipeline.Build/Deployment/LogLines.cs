using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.Build.Deployment;

/// <summary>
/// One log line as <c>Logs</c> shows it, from either platform: when it was written, where (the gateway, or a service with its
/// task or container), and the line itself. The services and the gateway write JSON lines (see the README's "Logs"), so
/// <see cref="Fields"/> is usually there; any other line is kept as text.
/// </summary>
public sealed record LogLine(DateTimeOffset Time, string Source, string Message)
{
    JsonObject? fields;
    bool parsed;

    /// <summary>The line's fields when it is one JSON object, else null.</summary>
    public JsonObject? Fields
    {
        get
        {
            if (!parsed)
            {
                fields = ParseObject(Message);
                parsed = true;
            }
            return fields;
        }
    }

    /// <summary>A line its platform received at <paramref name="received"/>, timed by the time it gives itself when it has one (<see cref="TimeOf"/>).</summary>
    public static LogLine Received(DateTimeOffset received, string source, string message)
    {
        var line = new LogLine(received, source, message);
        var own = TimeOf(line.Fields, received);
        return own == received ? line : line with { Time = own };
    }

    /// <summary>The line's <c>request_id</c>, or null.</summary>
    public string? RequestId => Text("request_id");

    public string? Text(string name) => Fields?[name] is JsonValue value
        ? value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString()
        : null;

    /// <summary>The time the line itself gives (RFC 3339 <c>time</c>), else when its platform received it.</summary>
    public static DateTimeOffset TimeOf(JsonObject? fields, DateTimeOffset received)
    {
        // "time" is ours; "Timestamp" is .NET's JSON console logger's (the gateway's own events).
        foreach (var name in (string[])["time", "Timestamp"])
            if (fields?[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String
                && DateTimeOffset.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                return time;
        return received;
    }

    static JsonObject? ParseObject(string message)
    {
        var text = message.Trim();
        if (!text.StartsWith('{'))
            return null;
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Prints <see cref="LogLine"/>s in the <see cref="LogFormat"/> asked for.</summary>
public static class LogLineOutput
{
    /// <summary>Lines in time order; lines of one time keep the order of their source (a sort that is stable).</summary>
    public static IReadOnlyList<LogLine> InTimeOrder(IEnumerable<LogLine> lines) => lines.OrderBy(l => l.Time).ToList();

    public static void Write(TextWriter output, LogLine line, LogFormat format) =>
        output.WriteLine(format == LogFormat.Json ? AsJson(line) : AsText(line));

    /// <summary>
    /// The line's own fields, with <c>timestamp</c> (RFC 3339, UTC) and <c>source</c> added when it has none; a text line
    /// becomes <c>{"timestamp", "source", "message"}</c>.
    /// </summary>
    public static string AsJson(LogLine line)
    {
        var result = new JsonObject
        {
            ["timestamp"] = line.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["source"] = line.Source,
        };
        if (line.Fields is { } fields)
        {
            foreach (var (name, value) in fields)
                if (!result.ContainsKey(name))
                    result[name] = value?.DeepClone();
        }
        else
        {
            result["message"] = line.Message.TrimEnd();
        }
        return result.ToJsonString(JsonOptions);
    }

    // Lines for a terminal or a program, not an HTML page: route keys keep their "+" and messages their quotes.
    static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// For a person: time, source, then what the line says. A request line reads
    /// <c>01:02:03.456 gateway   info  JKJaXmPLvHcESHA= POST /api/mcp/{proxy+} 200 12 ms</c>; other fields follow as <c>name=value</c>.
    /// </summary>
    public static string AsText(LogLine line)
    {
        var time = line.Time.ToLocalTime().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
        if (line.Fields is not { } fields)
            return $"{time} {line.Source,-10} {line.Message.TrimEnd()}";
        var parts = new List<string>();
        void Add(string? text)
        {
            if (!string.IsNullOrEmpty(text) && text != "-")
                parts.Add(text);
        }
        Add(line.Text("level"));
        Add(line.RequestId);
        Add(line.Text("method"));
        Add(line.Text("route") ?? line.Text("path"));
        Add(line.Text("status"));
        if (line.Text("duration_ms") is { } duration && duration != "-")
            Add(duration + " ms");
        if (line.Text("event") is { } kind && kind != "request")
            Add(kind + ":");
        // A request line's message repeats its method, path and status.
        if (line.Text("status") is null || line.Text("method") is null)
            Add(line.Text("message"));
        foreach (var (name, value) in fields)
        {
            if (Shown.Contains(name) || value is null)
                continue;
            var text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value.ToJsonString();
            if (text is not ("" or "-"))
                parts.Add($"{name}={text}");
        }
        return $"{time} {line.Source,-10} {string.Join(' ', parts)}";
    }

    /// <summary>Fields the text form shows up front, or leaves to <c>--format json</c> (which logger wrote it, the version, the caller's address).</summary>
    static readonly HashSet<string> Shown = new(StringComparer.Ordinal)
    {
        "time", "level", "service", "event", "request_id", "method", "route", "path", "status", "duration_ms", "message",
        "logger", "version", "source_ip", "protocol",
    };
}
