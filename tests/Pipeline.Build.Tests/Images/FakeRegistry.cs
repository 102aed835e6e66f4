using System.Net;
using System.Net.Sockets;

namespace Pipeline.Build.Tests.Images;

/// <summary>
/// A registry speaking just enough HTTP for manifest HEAD requests, on 127.0.0.1, with a scriptable answer per request.
/// Records what each request carried so tests can check the authentication exchange.
/// </summary>
sealed class FakeRegistry : IDisposable
{
    readonly HttpListener listener = new();
    readonly Func<HttpListenerRequest, HttpListenerResponse, Task> respond;
    readonly Task loop;

    public FakeRegistry(Func<HttpListenerRequest, HttpListenerResponse, Task> respond)
    {
        this.respond = respond;
        Port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public List<(string Method, string Path, string? Authorization, string Accept)> Requests { get; } = [];

    async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception) when (!listener.IsListening)
            {
                return;
            }
            var request = context.Request;
            lock (Requests)
                Requests.Add((request.HttpMethod, request.Url!.PathAndQuery, request.Headers["Authorization"], request.Headers["Accept"] ?? ""));
            await respond(request, context.Response);
            context.Response.Close();
        }
    }

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        loop.Wait(TimeSpan.FromSeconds(5));
    }
}
