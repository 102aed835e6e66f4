using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Gateway;

/// <summary>
/// The pipeline's handle on a running gateway, so a service can move to a new container without a gateway restart:
/// <list type="bullet">
/// <item><c>GET /_gateway/traffic</c>: each service's requests, 4xx, 5xx and p50/p99 latency of the last 15 minutes (for <c>Status</c>);</item>
/// <item><c>GET /_gateway/routes</c>: each service's upstream, and per upstream the requests in flight and how long it has been idle;</item>
/// <item><c>PUT /_gateway/routes/{service}</c> with <c>{"upstream": "http://127.0.0.1:&lt;port&gt;"}</c>: switch that service's upstream
/// (all of its traffic; a traffic shift ends);</item>
/// <item><c>PUT /_gateway/routes/{service}/shift</c> with <c>{"upstream": "...", "percent": 10}</c>: send that share of the service's
/// requests to a new version, judged on its own answers (<see cref="ShiftJudge"/>); <c>DELETE</c> ends the shift (all traffic
/// back on the upstream); <c>POST …/shift/stop</c> with <c>{"reason": "..."}</c> stops it as the judge would (a rollback asked for).</item>
/// </list>
/// Why an endpoint and not a watched routes file: the switch is confirmed in the answer (applied, and from which upstream),
/// and the drain needs the gateway's own request counts anyway. It is guarded three ways: it exists only when the gateway
/// was started with a token (GATEWAY_ADMIN_TOKEN, which the pipeline generates per gateway start and keeps in its
/// owner-only record); it answers only loopback clients; and only a bearer token equal to that one is accepted. Upstreams
/// must be loopback addresses, so even a token holder cannot send traffic off the machine. These paths are exact endpoints:
/// nothing under a service prefix (<c>/api/&lt;svc&gt;/_gateway/…</c>) reaches them; such requests go to the service.
/// </summary>
public static class GatewayAdmin
{
    public const string RoutesPath = "/_gateway/routes";

    /// <summary>Each service's figures of the last 15 minutes (<see cref="AccessLog.TrafficCounters"/>), for <c>Status</c>.</summary>
    public const string TrafficPath = "/_gateway/traffic";
    public const string TokenVariable = "GATEWAY_ADMIN_TOKEN";

    sealed record SwitchRequest(string? Upstream, double? Percent = null, string? Reason = null);

    public static void Map(
        WebApplication app, string? token, GatewayRouteTable table, GatewayRouteSwitch routeSwitch, UpstreamTraffic traffic, AccessLog.TrafficCounters counters)
    {
        var expected = string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetBytes(token);

        app.MapGet(TrafficPath, (HttpContext context) => Refusal(context, expected) ?? Results.Json(new
        {
            windowSeconds = (int)AccessLog.TrafficCounters.Window.TotalSeconds,
            services = counters.Read(),
        }));

        app.MapGet(RoutesPath, (HttpContext context) => Refusal(context, expected) ?? Results.Json(new
        {
            routes = table.Routes.Select(r => new
            {
                service = r.Service,
                prefix = r.Prefix,
                @internal = GatewayRouteTable.InternalPrefixOf(r.Service),
                upstream = r.Upstream.ToString(),
                shift = r.Shift is { } shift ? Describe(shift) : null,
            }),
            upstreams = traffic.Read().Select(t => new
            {
                address = t.Address,
                inFlight = t.InFlight,
                requests = t.Requests,
                idleMilliseconds = t.IdleMilliseconds,
            }),
        }));

        app.MapPut(RoutesPath + "/{service}", async (HttpContext context, string service) =>
        {
            if (Refusal(context, expected) is { } refused)
                return refused;
            SwitchRequest? body;
            try
            {
                body = await context.Request.ReadFromJsonAsync<SwitchRequest>(context.RequestAborted);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or BadHttpRequestException)
            {
                return Problem(StatusCodes.Status400BadRequest, $"The body must be JSON like {{\"upstream\": \"http://127.0.0.1:<port>\"}} ({e.Message}).");
            }
            if (!TryParseLoopbackUpstream(body?.Upstream, out var upstream))
                return Problem(StatusCodes.Status400BadRequest,
                    $"upstream '{body?.Upstream}' must be an http URL on a loopback address, like http://127.0.0.1:<port>.");
            if (table.FindByService(service) is null)
                return Problem(StatusCodes.Status404NotFound,
                    $"No route for service '{service}'. Routes: {string.Join(", ", table.Routes.Select(r => r.Service))}.");

            var previous = await routeSwitch.SwitchAsync(service, upstream, context.RequestAborted);
            return Results.Json(new { service, upstream = upstream.ToString(), previous = previous.ToString() });
        });
        MapShift(app, expected, table, routeSwitch);
    }

    static object Describe(TrafficShift shift)
    {
        var figures = shift.Judge.Read();
        return new
        {
            upstream = shift.Upstream.ToString(),
            percent = shift.Percent,
            effectivePercent = shift.EffectivePercent,
            requests = figures.Requests,
            failures = figures.Failures,
            p95Milliseconds = figures.P95Milliseconds,
            previousRequests = figures.PreviousRequests,
            previousFailures = figures.PreviousFailures,
            verdict = figures.Verdict,
        };
    }

    static void MapShift(WebApplication app, byte[]? expected, GatewayRouteTable table, GatewayRouteSwitch routeSwitch)
    {
        var path = RoutesPath + "/{service}/shift";
        app.MapPut(path, async (HttpContext context, string service) =>
        {
            if ((Refusal(context, expected) ?? UnknownService(table, service)) is { } refused)
                return refused;
            if (await ReadAsync(context) is not { } body)
                return Problem(StatusCodes.Status400BadRequest, "The body must be JSON like {\"upstream\": \"http://127.0.0.1:<port>\", \"percent\": 10}.");
            if (!TryParseLoopbackUpstream(body.Upstream, out var upstream))
                return Problem(StatusCodes.Status400BadRequest,
                    $"upstream '{body.Upstream}' must be an http URL on a loopback address, like http://127.0.0.1:<port>.");
            if (body.Percent is not (>= 0 and <= 100) || double.IsNaN(body.Percent.Value))
                return Problem(StatusCodes.Status400BadRequest, $"percent '{body.Percent}' must be a number from 0 to 100: the new version's share of the requests.");
            if (table.FindByService(service)!.Upstream == upstream)
                return Problem(StatusCodes.Status409Conflict, $"{upstream} already serves '{service}'; a shift goes to another upstream.");
            await routeSwitch.ShiftAsync(service, upstream, body.Percent.Value, context.RequestAborted);
            return Results.Json(new { service, shift = Describe(table.FindByService(service)!.Shift!) });
        });
        app.MapDelete(path, async (HttpContext context, string service) =>
        {
            if ((Refusal(context, expected) ?? UnknownService(table, service)) is { } refused)
                return refused;
            var before = await routeSwitch.EndShiftAsync(service, context.RequestAborted);
            return Results.Json(new { service, ended = before.Shift is { } shift ? Describe(shift) : null });
        });
        app.MapPost(path + "/stop", async (HttpContext context, string service) =>
        {
            if ((Refusal(context, expected) ?? UnknownService(table, service)) is { } refused)
                return refused;
            if (table.FindByService(service)!.Shift is not { } shift)
                return Problem(StatusCodes.Status409Conflict, $"'{service}' has no traffic shift in progress: its upstream takes all of its requests already.");
            var reason = (await ReadAsync(context))?.Reason;
            shift.Judge.Stop(string.IsNullOrWhiteSpace(reason) ? "was stopped on request" : reason);
            return Results.Json(new { service, shift = Describe(shift) });
        });
    }

    static async Task<SwitchRequest?> ReadAsync(HttpContext context)
    {
        try
        {
            return await context.Request.ReadFromJsonAsync<SwitchRequest>(context.RequestAborted);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return null;
        }
    }

    static IResult? UnknownService(GatewayRouteTable table, string service) =>
        table.FindByService(service) is null
            ? Problem(StatusCodes.Status404NotFound, $"No route for service '{service}'. Routes: {string.Join(", ", table.Routes.Select(r => r.Service))}.")
            : null;

    /// <summary>Why a request may not use the admin endpoints, or null when it may.</summary>
    internal static IResult? Refusal(HttpContext context, byte[]? expected)
    {
        // Without a token there is no admin endpoint at all: answer as the unknown path it then is.
        if (expected is null)
            return Problem(StatusCodes.Status404NotFound, "no route");
        if (!IsLoopback(context.Connection.RemoteIpAddress))
            return Problem(StatusCodes.Status403Forbidden, "The gateway's admin endpoints answer only on the loopback interface.");
        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var presented = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()) : [];
        if (!CryptographicOperations.FixedTimeEquals(presented, expected))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"gateway-admin\"";
            return Problem(StatusCodes.Status401Unauthorized, "The gateway's admin endpoints need the token from the pipeline's gateway record.");
        }
        return null;
    }

    static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    internal static bool TryParseLoopbackUpstream(string? text, out Uri upstream)
    {
        upstream = null!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp
            || !string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment) || url.AbsolutePath != "/" || url.UserInfo.Length > 0)
            return false;
        if (!url.IsLoopback)
            return false;
        upstream = url;
        return true;
    }

    static IResult Problem(int status, string error) => Results.Json(new { error }, statusCode: status);
}
