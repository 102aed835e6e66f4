using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Manifests;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Pipeline.Gateway.AccessLog;

/// <summary>
/// The gateway's part in following one request, as API Gateway does it for an HTTP API:
/// <list type="bullet">
/// <item>every request to a service's public routes (and one that matches no route) gets a request id of API Gateway's shape
/// (<see cref="RequestIds"/>), which overwrites any <c>X-Request-Id</c> the caller sent (the integrations' parameter mapping
/// <c>overwrite:header.x-request-id</c> on AWS) and is answered in <c>apigw-requestid</c>;</item>
/// <item>one JSON line per such request on stdout, with the keys of the HTTP API's access log (<see cref="AccessLogFields"/>);</item>
/// <item>the service's figures for <c>Status</c> (<see cref="TrafficCounters"/>).</item>
/// </list>
/// Internal routes (<c>/_internal/&lt;service&gt;</c>, service to service, which on AWS go straight to the load balancer and past
/// API Gateway) keep the caller's id and are neither logged nor counted; nor are the gateway's own endpoints
/// (<c>/_gateway</c>, the local issuer's <c>/_auth</c>), which are not part of the API.
/// </summary>
public sealed class GatewayAccessLog(RouteKeys routeKeys, TrafficCounters counters, TextWriter output, TimeProvider clock)
{
    /// <summary>Marks the endpoint that answers a request no route matched, which API Gateway logs with route key <c>-</c>.</summary>
    public sealed class NoRouteEndpoint
    {
        public static readonly NoRouteEndpoint Instance = new();
    }

    readonly Lock writeGate = new();

    // A log line is no HTML page: route keys keep their "+" and paths their characters.
    static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var endpoint = context.GetEndpoint();
        var route = endpoint?.Metadata.GetMetadata<RouteModel>()?.Config;
        var serviceRoute = route is not null && route.Metadata?.GetValueOrDefault(Auth.BearerTokenCheck.AccessMetadataKey) != nameof(Auth.RouteAccess.Internal);
        if (!serviceRoute && endpoint?.Metadata.GetMetadata<NoRouteEndpoint>() is null)
        {
            await next();
            return;
        }

        var entry = new GatewayAccessEntry(RequestIds.New(), clock.GetUtcNow(), clock.GetTimestamp());
        context.Features.Set(entry);
        context.Request.Headers[DeploymentNames.RequestIdHeader] = entry.RequestId;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[DeploymentNames.GatewayRequestIdResponseHeader] = entry.RequestId;
            return Task.CompletedTask;
        });
        var service = serviceRoute ? route!.Metadata?.GetValueOrDefault(GatewayRouteTable.ServiceMetadataKey) : null;
        string? exceptionType = null;
        try
        {
            await next();
        }
        catch (Exception e)
        {
            exceptionType = e.GetType().FullName;
            throw;
        }
        finally
        {
            var status = exceptionType is null ? context.Response.StatusCode : StatusCodes.Status500InternalServerError;
            var milliseconds = clock.GetElapsedTime(entry.StartedAt).TotalMilliseconds;
            if (service is not null)
                counters.Record(service, status, milliseconds);
            Write(Line(context, entry, service is null ? RouteKeys.NoRoute : routeKeys.Of(service, context.Request.Method, context.Request.Path.Value ?? "/"),
                status, milliseconds, exceptionType));
        }
    }

    /// <summary>
    /// The time a forward took and how it ended (<c>integrationLatency</c>, <c>integrationStatus</c>, <c>integrationErrorMessage</c>):
    /// the last step of the proxy pipeline, so it measures the call to the service alone.
    /// </summary>
    public static async Task TimeIntegrationAsync(HttpContext context, Func<Task> next)
    {
        var entry = context.Features.Get<GatewayAccessEntry>();
        var started = Stopwatch.GetTimestamp();
        await next();
        if (entry is null)
            return;
        entry.IntegrationLatency = Stopwatch.GetElapsedTime(started);
        if (context.Features.Get<IForwarderErrorFeature>() is { } error)
            entry.IntegrationError = $"{error.Error}{(error.Exception is { } e ? ": " + e.GetType().Name : "")}";
        else
            entry.IntegrationStatus = context.Response.StatusCode;
    }

    /// <summary>Why the token check turned the request away (<c>$context.authorizer.error</c>).</summary>
    public static void NoteAuthorizerError(HttpContext context, string reason)
    {
        if (context.Features.Get<GatewayAccessEntry>() is { } entry)
            entry.AuthorizerError = reason;
    }

    static string Line(HttpContext context, GatewayAccessEntry entry, string routeKey, int status, double milliseconds, string? exceptionType)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString(AccessLogFields.Time, entry.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteString("level", status >= 500 ? "error" : "info");
            json.WriteString(AccessLogFields.Service, AccessLogFields.GatewayService);
            json.WriteString("event", "request");
            json.WriteString(AccessLogFields.RequestId, entry.RequestId);
            json.WriteString(AccessLogFields.Method, context.Request.Method);
            json.WriteString(AccessLogFields.Route, routeKey);
            json.WriteString(AccessLogFields.Path, context.Request.Path.Value);
            json.WriteNumber(AccessLogFields.Status, status);
            json.WriteNumber(AccessLogFields.DurationMs, Math.Round(milliseconds, 1));
            if (entry.IntegrationLatency is { } latency)
                json.WriteNumber(AccessLogFields.IntegrationLatencyMs, Math.Round(latency.TotalMilliseconds, 1));
            if (entry.IntegrationStatus is { } integrationStatus)
                json.WriteNumber(AccessLogFields.IntegrationStatus, integrationStatus);
            if (entry.IntegrationError is { } integrationError)
                json.WriteString(AccessLogFields.IntegrationError, integrationError);
            if (entry.AuthorizerError is { } authorizerError)
                json.WriteString(AccessLogFields.AuthorizerError, authorizerError);
            if (exceptionType is not null)
                json.WriteString("exception_type", exceptionType);
            if (context.Connection.RemoteIpAddress is { } ip)
                json.WriteString(AccessLogFields.SourceIp, (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString());
            if (context.Response.ContentLength is { } length)
                json.WriteNumber(AccessLogFields.ResponseLength, length);
            json.WriteString(AccessLogFields.Protocol, context.Request.Protocol);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    void Write(string line)
    {
        lock (writeGate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}

/// <summary>What the gateway learns about one request on its way through, for its access log line.</summary>
public sealed class GatewayAccessEntry(string requestId, DateTimeOffset time, long startedAt)
{
    public string RequestId { get; } = requestId;

    public DateTimeOffset Time { get; } = time;

    /// <summary>A <see cref="TimeProvider"/> timestamp.</summary>
    public long StartedAt { get; } = startedAt;

    public TimeSpan? IntegrationLatency { get; set; }

    public int? IntegrationStatus { get; set; }

    public string? IntegrationError { get; set; }

    public string? AuthorizerError { get; set; }
}
