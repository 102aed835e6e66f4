using System.Net;
using System.Net.Sockets;

namespace Pipeline.IntegrationTests.Infrastructure;

/// <summary>
/// An <see cref="HttpListener"/> on a free 127.0.0.1 port that hands every request to one handler, each on its own task;
/// the plumbing the test proxies in front of moto share.
/// </summary>
public sealed class LoopbackHttpListener : IAsyncDisposable
{
    readonly HttpListener listener = new();
    readonly Func<HttpListenerContext, Task> handle;
    readonly Task loop;

    public LoopbackHttpListener(Func<HttpListenerContext, Task> handle)
    {
        this.handle = handle;
        // Another process may take the free port between the probe and Start; a few tries make that race harmless.
        for (var tries = 0; ; tries++)
        {
            Endpoint = new Uri($"http://127.0.0.1:{FreePort()}/");
            listener.Prefixes.Clear();
            listener.Prefixes.Add(Endpoint.ToString());
            try
            {
                listener.Start();
                break;
            }
            catch (HttpListenerException) when (tries < 5)
            {
            }
        }
        loop = Task.Run(AcceptLoopAsync);
    }

    public Uri Endpoint { get; private set; } = null!;

    async Task AcceptLoopAsync()
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
            catch (HttpListenerException)
            {
                return;
            }
            _ = Task.Run(() => handle(context));
        }
    }

    static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        listener.Close();
        try
        {
            await loop;
        }
        catch (Exception)
        {
            // Stopping the listener ends the accept loop with an exception; that is the expected way out.
        }
    }
}
