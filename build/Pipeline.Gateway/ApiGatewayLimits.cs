using Microsoft.AspNetCore.Http.Features;
using Pipeline.Gateway.Auth;
using Yarp.ReverseProxy.Model;

namespace Pipeline.Gateway;

/// <summary>
/// API Gateway's own limits on an HTTP API's routes, enforced on the gateway's public routes so that local behaves like
/// production: a request body over 10 MB is refused with 413 before anything reaches the service (by its Content-Length,
/// or, for a chunked body, where the body crosses the limit), and a service that has not answered within the integration
/// timeout (30 s, the HTTP API's maximum) gets the caller a 504 (<see cref="ProxyErrorResponses"/> writes both answers).
/// The internal routes stand in for the private load balancer, which has neither limit: they keep the activity timeout only.
/// </summary>
public sealed class ApiGatewayLimits(TimeSpan integrationTimeout)
{
    /// <summary>API Gateway's maximum payload size for an HTTP API request: 10 MB.</summary>
    public const long MaxRequestBodyBytes = 10 * 1024 * 1024;

    public async Task EnforceAsync(HttpContext context, Func<Task> next)
    {
        var access = context.Features.Get<IReverseProxyFeature>()?.Route.Config.Metadata?.GetValueOrDefault(BearerTokenCheck.AccessMetadataKey);
        if (access == nameof(RouteAccess.Internal))
        {
            await next();
            return;
        }

        if (context.Request.ContentLength > MaxRequestBodyBytes)
        {
            await WritePayloadTooLargeAsync(context, context.Request.ContentLength);
            return;
        }
        // A body of unknown length is cut where it crosses the limit: Kestrel stops reading there with a 413 error.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            bodySize.MaxRequestBodySize = MaxRequestBodyBytes;

        // The forward runs on the caller's token; a token that also fires at the deadline ends it there, as API Gateway does.
        var callerAborted = context.RequestAborted;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(callerAborted);
        deadline.CancelAfter(integrationTimeout);
        context.Features.Set(new IntegrationDeadline(integrationTimeout, deadline.Token, callerAborted));
        context.RequestAborted = deadline.Token;
        try
        {
            await next();
        }
        finally
        {
            context.RequestAborted = callerAborted;
        }
    }

    /// <summary>The 413 of an oversized body, in the gateway's error shape: <c>{"error":"payload too large","reason":"..."}</c>.</summary>
    public static Task WritePayloadTooLargeAsync(HttpContext context, long? declaredLength)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        // The rest of an oversized body is not read: the connection cannot carry another request.
        context.Response.Headers.Connection = "close";
        var size = declaredLength is { } length ? $"is {length} bytes" : "is larger than that";
        return context.Response.WriteAsJsonAsync(new
        {
            error = "payload too large",
            reason = $"API Gateway accepts request bodies of at most {MaxRequestBodyBytes} bytes (10 MB); this one {size}. Send a smaller body.",
        });
    }
}

/// <summary>The integration timeout of one forwarded request; <see cref="Expired"/> when it, and not the caller, ended the forward.</summary>
public sealed class IntegrationDeadline(TimeSpan timeout, CancellationToken deadline, CancellationToken callerAborted)
{
    public TimeSpan Timeout => timeout;

    public bool Expired => deadline.IsCancellationRequested && !callerAborted.IsCancellationRequested;
}
