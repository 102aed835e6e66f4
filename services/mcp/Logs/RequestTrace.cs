using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;

namespace Mcp.Server.Logs;

/// <summary>
/// The request being served: the id the gateway gave it (or one made here) and its place in the caller's W3C trace. It is
/// kept for the request's async flow (<see cref="Current"/>), so every log line and every call to another service made
/// while serving it carries the same ids.
/// </summary>
public sealed class RequestTrace
{
    public const string RequestIdHeader = "X-Request-Id";
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    private const int LongestRequestId = 128;

    private static readonly AsyncLocal<RequestTrace?> CurrentTrace = new();

    // What the gateway sends (API Gateway's $context.requestId is 16 characters of base64) and more, but nothing that
    // could carry an attacker's text into a log line.
    private static readonly SearchValues<char> RequestIdCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_.-");

    /// <summary>The request this async flow serves, or null outside a request (startup, shutdown).</summary>
    public static RequestTrace? Current
    {
        get => CurrentTrace.Value;
        set => CurrentTrace.Value = value;
    }

    public required string RequestId { get; init; }

    public required string TraceId { get; init; }

    /// <summary>This server's span for the request: new for every request.</summary>
    public required string SpanId { get; init; }

    /// <summary>The caller's span (the parent-id of its <c>traceparent</c>), or null when this request started the trace.</summary>
    public string? ParentSpanId { get; init; }

    /// <summary>The JSON-RPC method of an MCP message (<c>tools/call</c>), once the SDK has read it.</summary>
    public string? McpMethod { get; set; }

    /// <summary>The tool a <c>tools/call</c> names.</summary>
    public string? Tool { get; set; }

    /// <summary>Keeps an acceptable incoming id and continues a valid incoming trace; makes new ones otherwise.</summary>
    public static RequestTrace FromHeaders(string? requestId, string? traceParent)
    {
        var continued = TryParseTraceParent(traceParent, out var traceId, out var parentId);
        return new RequestTrace
        {
            RequestId = IsAcceptableRequestId(requestId) ? requestId! : NewRequestId(),
            TraceId = continued ? traceId : NewTraceId(),
            SpanId = NewSpanId(),
            ParentSpanId = continued ? parentId : null,
        };
    }

    /// <summary>1-128 characters of <c>A-Za-z0-9+/=_.-</c>.</summary>
    public static bool IsAcceptableRequestId(string? value) =>
        value is { Length: > 0 and <= LongestRequestId } && !value.AsSpan().ContainsAnyExcept(RequestIdCharacters);

    /// <summary>An id of the gateway's shape: base64 of 11 random bytes, 16 characters.</summary>
    public static string NewRequestId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(11));

    public static string NewTraceId() => ActivityTraceId.CreateRandom().ToHexString();

    public static string NewSpanId() => ActivitySpanId.CreateRandom().ToHexString();

    /// <summary>
    /// The trace-id and parent-id of a W3C <c>traceparent</c> of version 00: lowercase hex, neither all zeros.
    /// Anything else is not a trace to continue.
    /// </summary>
    public static bool TryParseTraceParent(string? value, out string traceId, out string parentId)
    {
        (traceId, parentId) = ("", "");
        // .NET's own W3C parser (lowercase hex, ids not all zeros); it also takes later versions, which this service does not know.
        if (value is null || !value.StartsWith("00-", StringComparison.Ordinal) || !ActivityContext.TryParse(value, null, isRemote: true, out var context))
        {
            return false;
        }

        (traceId, parentId) = (context.TraceId.ToHexString(), context.SpanId.ToHexString());
        return true;
    }

    /// <summary>The <c>traceparent</c> of a call this request makes as <paramref name="spanId"/>: same trace, sampled.</summary>
    public string TraceParentFor(string spanId) => $"00-{TraceId}-{spanId}-01";

    /// <summary>The ids every log line written while serving the request carries.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> LogFields()
    {
        var fields = new List<KeyValuePair<string, object?>>(4)
        {
            new("request_id", RequestId),
            new("trace_id", TraceId),
            new("span_id", SpanId),
        };
        if (ParentSpanId is not null)
        {
            fields.Add(new("parent_span_id", ParentSpanId));
        }

        return fields;
    }
}
