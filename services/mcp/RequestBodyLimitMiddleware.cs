using Microsoft.AspNetCore.Http.Features;

namespace Mcp.Server;

/// <summary>
/// Answers 413 with a JSON reason to a request whose body is over <see cref="ServiceSettings.MaxRequestBodyBytes"/>, before
/// anything reads it: a declared Content-Length over the limit is refused at once, and a body of unknown length (chunked)
/// is cut where it crosses the limit, since Kestrel then stops reading with a 413 error, which becomes the same answer.
/// </summary>
public sealed class RequestBodyLimitMiddleware(RequestDelegate next, ServiceSettings settings)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limit = settings.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            await WriteTooLargeAsync(context, limit, context.Request.ContentLength);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = limit;
        }

        try
        {
            await next(context);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            await WriteTooLargeAsync(context, limit, declaredLength: null);
        }
    }

    private static Task WriteTooLargeAsync(HttpContext context, long limit, long? declaredLength)
    {
        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        // The rest of the body is not read, so the connection cannot carry another request.
        context.Response.Headers.Connection = "close";
        var size = declaredLength is { } length ? $"is {length} bytes" : "is larger than that";
        return context.Response.WriteAsJsonAsync(new
        {
            error = "request_too_large",
            message = $"This server reads request bodies of at most {limit} bytes ({ServiceSettings.MaxRequestBodyBytesVariable}); this one {size}. Send a smaller request.",
        });
    }
}
