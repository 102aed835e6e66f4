using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Mcp.Server.Logs;

/// <summary>
/// First in the pipeline: takes the request id and traceparent (<see cref="RequestTrace"/>), echoes <c>X-Request-Id</c> on
/// the response, and writes one <c>request</c> line when the request ends, with the route pattern the endpoint was mapped
/// with, the path without its query string and no header value but the request id. Requests turned away before the MCP
/// endpoint (403, 401, 413) are logged too. An unhandled exception is answered 500 here and logged by its type.
/// Successful health checks are not logged: the load balancer asks every few seconds.
/// </summary>
public sealed class RequestLogMiddleware(RequestDelegate next, ServiceSettings settings, ILogger<RequestLogMiddleware> logger)
{
    public static readonly EventId RequestEvent = new(10, "Request");

    private readonly string _healthRoute = "/" + settings.HealthPath.Trim('/');

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var trace = RequestTrace.FromHeaders(Single(request.Headers[RequestTrace.RequestIdHeader]), Single(request.Headers[RequestTrace.TraceParentHeader]));
        RequestTrace.Current = trace;
        // Set as the headers go out: a handler that clears the response (the body limit's 413) would drop it earlier.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[RequestTrace.RequestIdHeader] = trace.RequestId;
            return Task.CompletedTask;
        });
        var (method, path) = (request.Method, request.Path.Value ?? "");
        var started = Stopwatch.GetTimestamp();
        var startedAt = DateTimeOffset.UtcNow;
        Exception? failure = null;
        try
        {
            await next(context);
        }
        catch (Exception exception)
        {
            failure = exception;
            if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
            {
                throw;
            }

            await AnswerInternalErrorAsync(context, trace.RequestId);
        }
        finally
        {
            // Unanswered after an exception means the server's own 500.
            var status = failure is not null && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
            var route = RouteOf(context.GetEndpoint());
            if (route != _healthRoute || status >= 400)
            {
                Log(trace, method, route, path, status, startedAt, Stopwatch.GetElapsedTime(started), failure);
            }

            RequestTrace.Current = null;
        }
    }

    /// <summary>
    /// An incoming MCP message filter: gives the request line the JSON-RPC method and, for <c>tools/call</c>, the tool's
    /// name, from the message the SDK has already read. Arguments are never looked at.
    /// </summary>
    public static McpMessageHandler RecordMcpMethod(McpMessageHandler next) => async (context, cancellationToken) =>
    {
        if (RequestTrace.Current is { } trace)
        {
            var method = context.JsonRpcMessage switch
            {
                JsonRpcRequest request => request.Method,
                JsonRpcNotification notification => notification.Method,
                _ => null,
            };
            trace.McpMethod = LoggableName(method);
            if (method == RequestMethods.ToolsCall
                && context.JsonRpcMessage is JsonRpcRequest { Params: JsonObject parameters }
                && parameters["name"] is JsonValue name
                && name.TryGetValue<string>(out var tool))
            {
                trace.Tool = LoggableName(tool);
            }
        }

        await next(context, cancellationToken);
    };

    private void Log(RequestTrace trace, string method, string? route, string path, int status, DateTimeOffset startedAt, TimeSpan duration, Exception? failure)
    {
        var fields = new List<KeyValuePair<string, object?>>
        {
            new("method", method),
            new("route", route),
            new("path", path),
            new("status", status),
            new("duration_ms", Math.Round(duration.TotalMilliseconds, 3)),
        };
        if (trace.McpMethod is { } mcpMethod)
        {
            fields.Add(new("mcp_method", mcpMethod));
        }

        if (trace.Tool is { } tool)
        {
            fields.Add(new("tool", tool));
        }

        logger.Log(
            status >= 500 ? LogLevel.Error : LogLevel.Information,
            RequestEvent,
            new LogFields($"{method} {path} {status}", fields, startedAt),
            failure,
            LogFields.Format);
    }

    /// <summary>
    /// The route pattern the endpoint was mapped with, as a path: an endpoint of a group (MapMcp's) has the group's pattern
    /// and its own joined with a slash, <c>/mcp/</c> for <c>/mcp</c>.
    /// </summary>
    public static string? RouteOf(Endpoint? endpoint) =>
        (endpoint as RouteEndpoint)?.RoutePattern.RawText is { } pattern ? "/" + pattern.Trim('/') : null;

    /// <summary>A header's value when it was sent once; a repeated header is treated as absent.</summary>
    private static string? Single(StringValues values) => values.Count == 1 ? values[0] : null;

    /// <summary>A method or tool name as MCP names them (1-128 of <c>A-Za-z0-9_-./</c>); anything else is the caller's text and stays out.</summary>
    private static string? LoggableName(string? name) =>
        name is { Length: > 0 and <= 128 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/') ? name : null;

    private static Task AnswerInternalErrorAsync(HttpContext context, string requestId)
    {
        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return context.Response.WriteAsJsonAsync(new
        {
            error = "internal_error",
            message = $"The server failed while answering. Its logs tell why under request id {requestId}.",
        });
    }
}
