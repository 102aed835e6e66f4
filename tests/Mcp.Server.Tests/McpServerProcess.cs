using System.Diagnostics;
using System.Net;
using System.Text;

namespace Mcp.Server.Tests;

/// <summary>
/// The built server (<c>dotnet Mcp.Server.dll</c>, copied next to the tests) as its own process, with exactly the
/// listen and token environment a test gives it: what the image's entry point and health check see.
/// </summary>
public sealed class McpServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Where the server listens, and whose tokens it takes and which URLs it publishes: only what a test gives.</summary>
    private static readonly string[] PlatformVariables =
    [
        "PORT", "BIND_ADDRESS", "URLS", "HTTP_PORTS", "HTTPS_PORTS",
        "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS",
        "DOTNET_URLS", "DOTNET_HTTP_PORTS", "DOTNET_HTTPS_PORTS",
        "AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_SCOPE", "PUBLIC_BASE_URL", "ROOT_PATH", "MAX_REQUEST_BODY_BYTES",
    ];

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private McpServerProcess(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static McpServerProcess Start(IReadOnlyDictionary<string, string> environment)
    {
        var process = new Process { StartInfo = StartInfo(environment) };
        var server = new McpServerProcess(process);
        process.OutputDataReceived += (_, line) => server.Append(line.Data);
        process.ErrorDataReceived += (_, line) => server.Append(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Runs <c>dotnet Mcp.Server.dll --healthcheck</c> with the given environment, as the image's HEALTHCHECK does.</summary>
    public static async Task<(int ExitCode, string Output)> RunHealthCheckAsync(IReadOnlyDictionary<string, string> environment)
    {
        var start = StartInfo(environment);
        start.ArgumentList.Add(HealthCheckCommand.Argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(HealthCheckTimeout);
        await process.WaitForExitAsync(cancellation.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Waits until <paramref name="healthUrl"/> answers 200, failing with the server's output if it never does.</summary>
    public async Task WaitUntilHealthyAsync(Uri healthUrl)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.UntilAsync(
            $"the server to answer 200 on {healthUrl}",
            async () =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"The server exited with {_process.ExitCode} before answering {healthUrl}. Its output:\n{Output}");
                }

                using var response = await http.GetAsync(healthUrl);
                return response.StatusCode;
            },
            status => status == HttpStatusCode.OK,
            StartTimeout,
            every: TimeSpan.FromMilliseconds(200),
            details: () => Task.FromResult($"Its output:\n{Output}"));
    }

    /// <summary>Waits for the server to exit by itself, as it does when it refuses its settings.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var cancellation = new CancellationTokenSource(StartTimeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The server was expected to exit but still runs after {StartTimeout}. Its output:\n{Output}");
        }

        // The asynchronous output readers may still hold the last lines; the parameterless wait drains them.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public static int FreePort() => LoopbackPorts.Reserve();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Mcp.Server.dll"));
        foreach (var variable in PlatformVariables)
        {
            start.Environment.Remove(variable);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    // `dotnet test` tells child processes which host runs them; outside it, the one on PATH.
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
