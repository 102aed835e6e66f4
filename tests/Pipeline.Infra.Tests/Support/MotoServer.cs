using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Pipeline.Infra.Tests.Support;

/// <summary>A moto server on a free loopback port, started for one test class and killed by its PID afterwards.</summary>
public sealed class MotoServer : IDisposable
{
    Process? _process;

    public string Endpoint { get; private set; } = "";

    public IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = "testing",
        ["AWS_SECRET_ACCESS_KEY"] = "testing",
        ["AWS_DEFAULT_REGION"] = "us-east-1",
        ["AWS_REGION"] = "us-east-1",
        ["AWS_PAGER"] = "",
    };

    /// <summary>Starts the server on first use, so skipped tests never start one.</summary>
    public void EnsureStarted()
    {
        if (_process is not null) return;
        RequiredTools.Require("moto");
        var port = FreePort();
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-m", "moto.server", "-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(arg);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Endpoint = $"http://127.0.0.1:{port}";

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"moto server exited with code {_process.ExitCode} before answering on {Endpoint}.");
            try
            {
                if (http.GetAsync(Endpoint + "/moto-api/").Result.IsSuccessStatusCode) return;
            }
            catch (AggregateException)
            {
                // not listening yet
            }
            Thread.Sleep(250);
        }
        throw new InvalidOperationException($"moto server did not answer on {Endpoint} within 60 s.");
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
        _process?.Dispose();
    }
}
