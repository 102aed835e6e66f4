using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Web;

namespace Pipeline.IntegrationTests.Infrastructure;

/// <summary>
/// An HTTP proxy in front of moto that lets a test script the answers moto cannot give (throttling, a busy stack,
/// a rolled-back deployment): per API action, a handler may answer itself, rewrite moto's answer, or pass it through.
/// </summary>
public sealed class MotoFaultProxy : IAsyncDisposable
{
    readonly LoopbackHttpListener listener;
    readonly HttpClient upstream = new();
    readonly Uri target;
    readonly ConcurrentDictionary<string, Func<MotoProxiedCall, Task<MotoProxyReply?>>> handlers = new();
    readonly ConcurrentQueue<string> actions = new();

    public MotoFaultProxy(Uri target)
    {
        this.target = target;
        listener = new LoopbackHttpListener(HandleAsync);
    }

    public Uri Endpoint => listener.Endpoint;

    /// <summary>Every action that passed through, in order.</summary>
    public IReadOnlyList<string> Actions => actions.ToList();

    /// <summary>Routes <paramref name="action"/> to <paramref name="handler"/>; a null reply forwards the call unchanged.</summary>
    public void When(string action, Func<MotoProxiedCall, Task<MotoProxyReply?>> handler) => handlers[action] = handler;

    /// <summary>Answers <paramref name="action"/> with <paramref name="reply"/> for the next <paramref name="times"/> calls, then passes through.</summary>
    public void Fail(string action, int times, MotoProxyReply reply)
    {
        var remaining = times;
        When(action, _ => Task.FromResult(Interlocked.Decrement(ref remaining) >= 0 ? reply : null));
    }

    public static MotoProxyReply QueryError(int status, string code, string message) =>
        new(status, $"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{SecurityElement(message)}</Message></Error><RequestId>1</RequestId></ErrorResponse>", "text/xml");

    public static MotoProxyReply JsonError(int status, string code, string message) =>
        new(status, $"{{\"__type\":\"{code}\",\"message\":\"{message}\"}}", "application/x-amz-json-1.1");

    async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var action = ActionOf(context.Request, body);
            actions.Enqueue(action);
            var call = new MotoProxiedCall(action, body, changed => ForwardAsync(context.Request, changed));
            var reply = handlers.TryGetValue(action, out var handler) ? await handler(call) : null;
            reply ??= await call.ForwardAsync();
            var bytes = Encoding.UTF8.GetBytes(reply.Body);
            context.Response.StatusCode = reply.Status;
            context.Response.ContentType = reply.ContentType;
            foreach (var (name, value) in reply.Headers)
                context.Response.Headers[name] = value;
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception e)
        {
            try
            {
                context.Response.StatusCode = 502;
                var bytes = Encoding.UTF8.GetBytes("proxy failure: " + e.Message);
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
            catch (Exception)
            {
                // The client went away; nothing left to tell it.
            }
        }
    }

    async Task<MotoProxyReply> ForwardAsync(HttpListenerRequest request, string body)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.HttpMethod), new Uri(target, request.RawUrl));
        message.Content = new StringContent(body, Encoding.UTF8);
        message.Content.Headers.Remove("Content-Type");
        foreach (var name in request.Headers.AllKeys.OfType<string>())
        {
            if (name is "Host" or "Content-Length" or "Connection" or "Expect")
                continue;
            var value = request.Headers[name]!;
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                message.Content.Headers.TryAddWithoutValidation(name, value);
            else
                message.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await upstream.SendAsync(message);
        return new MotoProxyReply((int)response.StatusCode, await response.Content.ReadAsStringAsync(),
            response.Content.Headers.ContentType?.ToString() ?? "text/xml")
        {
            Headers = response.Headers.ETag is { } etag ? new Dictionary<string, string> { ["ETag"] = etag.ToString() } : new Dictionary<string, string>(),
        };
    }

    static string ActionOf(HttpListenerRequest request, string body)
    {
        if (request.Headers["X-Amz-Target"] is { } target)
            return target[(target.LastIndexOf('.') + 1)..];
        return HttpUtility.ParseQueryString(body)["Action"] ?? request.HttpMethod + " " + request.Url?.AbsolutePath;
    }

    static string SecurityElement(string text) => System.Security.SecurityElement.Escape(text);

    public async ValueTask DisposeAsync()
    {
        await listener.DisposeAsync();
        upstream.Dispose();
    }
}
