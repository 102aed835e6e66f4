using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Pipeline.Gateway;

/// <summary>
/// Gives a failed forward a body that says which service failed and what to do,
/// instead of YARP's empty 502/504; a forward that API Gateway's limits ended (<see cref="ApiGatewayLimits"/>) gets
/// their answer: 413 for a body cut at 10 MB, 504 at the integration timeout.
/// </summary>
public static class ProxyErrorResponses
{
    public static async Task WriteErrorBodyAsync(HttpContext context, Func<Task> next, GatewayRouteTable routes)
    {
        await next();

        var error = context.Features.Get<IForwarderErrorFeature>();
        if (error is null || context.Response.HasStarted)
            return;

        // Kestrel stopped reading the caller's body at the limit; YARP passes on the status of Kestrel's error.
        if (error.Error == ForwarderError.RequestBodyClient && context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await ApiGatewayLimits.WritePayloadTooLargeAsync(context, declaredLength: null);
            return;
        }

        var deadline = context.Features.Get<IntegrationDeadline>();
        var proxy = context.Features.Get<IReverseProxyFeature>();
        var serviceName = proxy?.Route.Config.Metadata?[GatewayRouteTable.ServiceMetadataKey];
        // The destination this request went to: after a switch the route may already point elsewhere.
        var upstream = proxy?.ProxiedDestination?.Model.Config.Address
            ?? (serviceName is null ? null : routes.FindByService(serviceName))?.Upstream.ToString()
            ?? "unknown";
        var integrationTimedOut = deadline is { Expired: true };
        var timedOut = integrationTimedOut || error.Error == ForwarderError.RequestTimedOut || context.Response.StatusCode == StatusCodes.Status504GatewayTimeout;

        context.Response.StatusCode = timedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway;
        await context.Response.WriteAsJsonAsync(new
        {
            error = timedOut ? "upstream timeout" : "upstream unavailable",
            service = serviceName,
            upstream,
            detail = integrationTimedOut
                ? $"Service '{serviceName}' at {upstream} did not answer within the integration timeout ({deadline!.Timeout.TotalSeconds:0.###} s, API Gateway's limit for an HTTP API)."
                : timedOut
                ? $"Service '{serviceName}' at {upstream} sent nothing for the gateway's activity timeout."
                : $"Service '{serviceName}' at {upstream} could not be reached ({error.Error}: {error.Exception?.Message}). " +
                  "Check that it is running (./build.sh Status) and look at its logs (./build.sh Logs --service " + serviceName + ").",
        });
    }
}
