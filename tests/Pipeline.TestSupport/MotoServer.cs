using System.Diagnostics;
using System.Net;
using Amazon.Runtime;
using Pipeline.Build.Aws.Clients;
using Xunit;

namespace Pipeline.TestSupport;

/// <summary>
/// A moto server on 127.0.0.1 for the AWS tests: started once per test collection, killed by its PID on dispose.
/// ECS services report two running tasks, so a desired count of 2 reaches steady state.
/// </summary>
public sealed class MotoServer : IAsyncLifetime
{
    public const string AccessKey = "testing";
    public const string Region = "us-east-1";
    Process? process;
    readonly List<string> output = [];

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Secret key of the test credentials: distinctive, so a test can prove it is never printed.</summary>
    public static string SecretKey => "FAKEsecretKEY/mustNeverBePrinted+0123456789";

    public async Task InitializeAsync()
    {
        var port = FreePort();
        var start = new ProcessStartInfo("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", port.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["MOTO_ECS_SERVICE_RUNNING"] = "2";
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                $"moto server: could not start 'python3 -m moto.server' ({e.Message}). Install it with 'pip install \"moto[server]\"' (the CI setup does).", e);
        }
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) lock (output) output.Add(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) lock (output) output.Add(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.UntilAsync($"the moto server to answer on {Endpoint} (is moto[server] installed for python3?)",
            async () =>
            {
                if (process.HasExited)
                    throw new InvalidOperationException(
                        $"moto server: exited with {process.ExitCode} before it answered on {Endpoint}. Is moto[server] installed for python3? Its output:\n{Log()}");
                using var response = await http.GetAsync(new Uri(Endpoint, "moto-api/"));
                return response.StatusCode;
            },
            status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(60), every: TimeSpan.FromMilliseconds(200),
            details: () => Task.FromResult("Its output:\n" + Log()));
    }

    string Log()
    {
        lock (output) return string.Join("\n", output.TakeLast(20));
    }

    public Task DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            process.WaitForExit(5000);
        }
        process?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A connection whose every endpoint is <paramref name="endpoint"/> (moto itself, or a proxy in front of it).</summary>
    public static AwsConnection Connection(Uri endpoint, string? sessionToken = null) =>
        new(Region, sessionToken is null ? new BasicAWSCredentials(AccessKey, SecretKey) : new SessionAWSCredentials(AccessKey, SecretKey, sessionToken),
            name => name == "AWS_ENDPOINT_URL" ? endpoint.ToString() : null)
        {
            Retry = new AwsRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(20), MaxDelay = TimeSpan.FromMilliseconds(200), MaxRetries = 4 },
        };

    public AwsConnection Connection() => Connection(Endpoint);

    /// <summary>Environment for a child process (an AWS CLI, say) that should talk to this moto.</summary>
    public IReadOnlyDictionary<string, string> ChildEnvironment => new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
        ["AWS_DEFAULT_REGION"] = Region,
        ["AWS_REGION"] = Region,
        ["AWS_ENDPOINT_URL"] = Endpoint.ToString(),
        ["AWS_PAGER"] = "",
    };

    static int FreePort() => LoopbackPorts.Reserve();
}
