namespace Mcp.Server;

/// <summary>Answers 403 to any request whose <c>Origin</c> header the <see cref="OriginPolicy"/> does not allow.</summary>
public sealed class OriginValidationMiddleware(RequestDelegate next, ServiceSettings settings, ILogger<OriginValidationMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var origin = context.Request.Headers.Origin;
        if (origin.Count > 0 && !settings.AllowedOrigins.Allows(origin.ToString()))
        {
            // The origin is a header value, which no log line holds; the request line has the path and the 403.
            logger.LogWarning("Rejected a request from an origin ALLOWED_ORIGINS does not allow");
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsJsonAsync(new
            {
                error = "origin_not_allowed",
                message = $"Origin '{origin}' may not call this server. Add it to ALLOWED_ORIGINS (comma-separated) if it should.",
            });
            return;
        }

        await next(context);
    }
}
