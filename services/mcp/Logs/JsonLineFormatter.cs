using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Mcp.Server.Logs;

/// <summary>
/// Writes each log entry as one JSON object on one line, in the fields every service of the platform shares: time, level,
/// service, version, message, event and logger; while a request is served, its request_id, trace_id and span_id (and
/// parent_span_id); then the entry's own structured values under snake_case names (a <c>[LoggerMessage]</c>'s
/// placeholders, a <see cref="LogFields"/>'s fields). An exception adds its type and its stack frames, never its message,
/// which can hold the request's input.
/// </summary>
public sealed class JsonLineFormatter(ServiceSettings settings) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "json-line";

    private const string OriginalFormatKey = "{OriginalFormat}";

    // Relaxed: a request id's '+' stays '+' (the default encoder writes \u002B), so the raw line can be searched for it.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly HashSet<string> SharedFields = ["time", "level", "service", "version", "message", "event", "logger"];

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        var ownFields = OwnFields(logEntry.State);
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("time", ((logEntry.State as LogFields)?.StartedAt ?? DateTimeOffset.UtcNow).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteString("level", LevelName(logEntry.LogLevel));
            json.WriteString("service", settings.ServiceName);
            json.WriteString("version", settings.Version);
            json.WriteString("message", message);
            json.WriteString("event", EventName(logEntry.EventId));
            json.WriteString("logger", logEntry.Category);
            foreach (var (name, value) in RequestTrace.Current?.LogFields() ?? [])
            {
                // A line about a call this request makes names that call's span itself.
                if (!ownFields.Any(field => field.Key == name))
                {
                    WriteField(json, name, value);
                }
            }

            foreach (var (name, value) in ownFields)
            {
                WriteField(json, name, value);
            }

            if (logEntry.Exception is { } exception)
            {
                json.WriteString("exception_type", exception.GetType().FullName);
                // Frames only: method, file and line.
                json.WriteString("exception_stack", exception.StackTrace);
            }

            json.WriteEndObject();
        }

        textWriter.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write('\n');
    }

    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        _ => "error",
    };

    /// <summary>The event's name in snake_case (<c>OutgoingRequest</c> → <c>outgoing_request</c>); <c>log</c> for an event without one.</summary>
    public static string EventName(EventId eventId) =>
        string.IsNullOrEmpty(eventId.Name) ? "log" : JsonNamingPolicy.SnakeCaseLower.ConvertName(eventId.Name);

    private static List<KeyValuePair<string, object?>> OwnFields<TState>(TState state) =>
        state is IReadOnlyList<KeyValuePair<string, object?>> values
            ? values
                .Where(value => value.Key != OriginalFormatKey)
                .Select(value => KeyValuePair.Create(JsonNamingPolicy.SnakeCaseLower.ConvertName(value.Key), value.Value))
                .Where(value => !SharedFields.Contains(value.Key))
                .ToList()
            : [];

    private static void WriteField(Utf8JsonWriter json, string name, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(name);
                break;
            case bool flag:
                json.WriteBoolean(name, flag);
                break;
            case int or long or short or byte or uint or ushort or sbyte:
                json.WriteNumber(name, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double or float or decimal when Convert.ToDouble(value, CultureInfo.InvariantCulture) is var number && double.IsFinite(number):
                json.WriteNumber(name, number);
                break;
            default:
                json.WriteString(name, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
