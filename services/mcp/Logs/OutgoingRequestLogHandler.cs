using System.Diagnostics;

namespace Mcp.Server.Logs;

/// <summary>
/// On every call to another service: sends the request id being served as <c>X-Request-Id</c> and a <c>traceparent</c>
/// in its trace with a new span for the call, and writes one <c>outgoing_request</c> line (status null and the exception's
/// type when the call got no answer). Neither the URL's query string nor any header value is logged.
/// </summary>
public sealed class OutgoingRequestLogHandler(string peerService, ILogger<OutgoingRequestLogHandler> logger) : DelegatingHandler
{
    public static readonly EventId OutgoingRequestEvent = new(11, "OutgoingRequest");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // A call outside any request (none today) still gets ids, so the peer's line can be found.
        var trace = RequestTrace.Current ?? RequestTrace.FromHeaders(requestId: null, traceParent: null);
        var spanId = RequestTrace.NewSpanId();
        request.Headers.Remove(RequestTrace.RequestIdHeader);
        request.Headers.Remove(RequestTrace.TraceParentHeader);
        request.Headers.Remove(RequestTrace.TraceStateHeader);
        request.Headers.TryAddWithoutValidation(RequestTrace.RequestIdHeader, trace.RequestId);
        request.Headers.TryAddWithoutValidation(RequestTrace.TraceParentHeader, trace.TraceParentFor(spanId));

        var started = Stopwatch.GetTimestamp();
        var startedAt = DateTimeOffset.UtcNow;
        HttpResponseMessage? response = null;
        Exception? failure = null;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
            return response;
        }
        catch (Exception exception)
        {
            failure = exception;
            throw;
        }
        finally
        {
            Log(trace, spanId, request, response is null ? null : (int)response.StatusCode, startedAt, Stopwatch.GetElapsedTime(started), failure);
        }
    }

    private void Log(RequestTrace trace, string spanId, HttpRequestMessage request, int? status, DateTimeOffset startedAt, TimeSpan duration, Exception? failure)
    {
        var method = request.Method.Method;
        var path = request.RequestUri?.AbsolutePath ?? "";
        var fields = new List<KeyValuePair<string, object?>>
        {
            new("peer_service", peerService),
            new("request_id", trace.RequestId),
            new("trace_id", trace.TraceId),
            new("span_id", spanId),
            new("parent_span_id", trace.SpanId),
            new("method", method),
            new("path", path),
            new("status", status),
            new("duration_ms", Math.Round(duration.TotalMilliseconds, 3)),
        };
        logger.Log(
            status is null or >= 500 ? LogLevel.Error : LogLevel.Information,
            OutgoingRequestEvent,
            new LogFields($"{method} {peerService} {path} {status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "failed"}", fields, startedAt),
            failure,
            LogFields.Format);
    }
}
