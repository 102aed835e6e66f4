using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pipeline.Build.Tests.Deployment;

/// <summary>A gateway stand-in on 127.0.0.1 whose answers per path are scripted by the test, one after the other.</summary>
public sealed class ScriptedHealthServer : IAsyncDisposable
{
    readonly HttpListener listener = new();
    readonly ConcurrentDictionary<string, ConcurrentQueue<(int Status, string Body)>> scripts = new();
    readonly ConcurrentDictionary<string, (int Status, string Body)> lastAnswers = new();
    readonly Task loop;

    public ScriptedHealthServer()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            BaseUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/");
        }
        listener.Prefixes.Add(BaseUrl.ToString());
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public Uri BaseUrl { get; }

    /// <summary>How many requests reached the server.</summary>
    public int RequestCount => requestCount;

    int requestCount;

    /// <summary>Answers <paramref name="path"/> with each reply in turn; the last one repeats.</summary>
    public void Script(string path, params (int Status, string Body)[] replies)
    {
        scripts[path] = new ConcurrentQueue<(int, string)>(replies);
    }

    async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception)
            {
                return;
            }
            Interlocked.Increment(ref requestCount);
            var path = context.Request.Url!.AbsolutePath;
            var reply = (404, "{\"detail\":\"Not Found\"}");
            if (scripts.TryGetValue(path, out var queue))
                reply = queue.TryDequeue(out var next) ? lastAnswers[path] = next : lastAnswers.GetValueOrDefault(path, reply);
            var bytes = Encoding.UTF8.GetBytes(reply.Item2);
            context.Response.StatusCode = reply.Item1;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        listener.Close();
        await loop;
    }
}
