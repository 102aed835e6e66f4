using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Gateway;

/// <summary>
/// The pipeline's handle on a running gateway, so a service can move to a new container without a gateway restart:
/// <list type="bullet">
/// <item><c>GET /_gateway/routes</c>: each service's upstream, and per upstream the requests in flight and how long it has been idle;</item>
/// <item><c>PUT /_gateway/routes/{service}</c> with <c>{"upstream": "http://127.0.0.1:&lt;port&gt;"}</c>: switch that service's upstream.</item>
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
    public const string TokenVariable = "GATEWAY_ADMIN_TOKEN";

    sealed record SwitchRequest(string? Upstream);

    public static void Map(WebApplication app, string? token, GatewayRouteTable table, GatewayRouteSwitch routeSwitch, UpstreamTraffic traffic)
    {
        var expected = string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetBytes(token);

        app.MapGet(RoutesPath, (HttpContext context) => Refusal(context, expected) ?? Results.Json(new
        {
            routes = table.Routes.Select(r => new
            {
                service = r.Service,
                prefix = r.Prefix,
                @internal = GatewayRouteTable.InternalPrefixOf(r.Service),
                upstream = r.Upstream.ToString(),
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
    }

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
