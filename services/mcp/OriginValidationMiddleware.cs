namespace Mcp.Server;

/// <summary>Answers 403 to any request whose <c>Origin</c> header the <see cref="OriginPolicy"/> does not allow.</summary>
public sealed class OriginValidationMiddleware(RequestDelegate next, ServiceSettings settings, ILogger<OriginValidationMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var origin = context.Request.Headers.Origin;
        if (origin.Count > 0 && !settings.AllowedOrigins.Allows(origin.ToString()))
        {
            logger.LogWarning("Rejected request to {Path} from origin {Origin}", context.Request.Path, origin.ToString());
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
