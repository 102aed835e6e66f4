using System.Diagnostics;
using System.Text.Json;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Deployment;

/// <summary>
/// Calls each service's health route through the API (<c>&lt;base&gt;&lt;routePrefix&gt;&lt;healthPath&gt;</c>) until it answers 200
/// with <c>{"status":"ok","version":…}</c> equal to the version just deployed, retrying with backoff within a deadline.
/// Platform-agnostic: the base URL is the API Gateway endpoint on AWS, the local gateway locally.
/// </summary>
public sealed class HealthChecker(HttpClient http, TimeSpan? firstRetryDelay = null)
{
    readonly TimeSpan firstRetryDelay = firstRetryDelay ?? TimeSpan.FromSeconds(1);
    static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(15);

    /// <summary>Say which URL and version each check would ask for, and ask nothing.</summary>
    public bool DryRun { get; init; }

    public async Task<IReadOnlyList<ServiceHealth>> CheckAsync(
        Uri baseUrl, IReadOnlyList<(ServiceManifest Service, string ExpectedVersion)> services, TimeSpan deadline, IStepLog log, CancellationToken ct)
    {
        if (DryRun)
        {
            foreach (var (service, expectedVersion) in services)
                log.Info($"would check {HealthUrl(baseUrl, service)} serves version {expectedVersion}");
            return [];
        }
        var checks = services.Select(s => CheckOneAsync(baseUrl, s.Service, s.ExpectedVersion, deadline, log, ct)).ToList();
        await Task.WhenAll(checks.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));
        var failures = checks.Where(c => c.IsFaulted).Select(c => c.Exception!.InnerException!).ToList();
        if (failures.Count == 1)
            throw failures[0];
        if (failures.Count > 1)
            throw new PipelineException(string.Join("\n", failures.Select(f => f.Message)));
        ct.ThrowIfCancellationRequested();
        return checks.Select(c => c.Result).ToList();
    }

    public static Uri HealthUrl(Uri baseUrl, ServiceManifest service) =>
        new(baseUrl.ToString().TrimEnd('/') + service.RoutePrefix + service.HealthPath);

    async Task<ServiceHealth> CheckOneAsync(Uri baseUrl, ServiceManifest service, string expectedVersion, TimeSpan deadline, IStepLog log, CancellationToken ct)
    {
        var url = HealthUrl(baseUrl, service);
        var healthCheck = new Poll($"Service {service.Name} at {url}", deadline, firstRetryDelay)
        {
            MaxInterval = MaxRetryDelay,
            Continues = "the deploy is not confirmed",
            Command = $"curl -i {url}",
            NextStep = "check the service's logs and the gateway route",
        };
        var passed = await healthCheck.UntilAsync(
            (attempt, ct) => AskAsync(service, url, expectedVersion, attempt, ct),
            answer => answer.Health is not null,
            answer => $"failing its health check ({answer.Problem}; {answer.Attempt} attempt(s))",
            ct,
            beforeEachWait: (answer, wait) => log.Detail($"{service.Name}: not yet healthy ({answer.Problem}); retrying in {Poll.Format(wait)}"));
        var health = passed.Health!;
        log.Info($"{service.Name}: healthy, version {health.Version}, {health.Latency.TotalMilliseconds:0} ms ({url})");
        return health;
    }

    async Task<HealthAnswer> AskAsync(ServiceManifest service, Uri url, string expectedVersion, PollAttempt attempt, CancellationToken ct)
    {
        var latency = Stopwatch.StartNew();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Max(TimeSpan.FromSeconds(1), Min(TimeSpan.FromSeconds(10), attempt.Remaining)));
            using var response = await http.GetAsync(url, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            latency.Stop();
            var status = (int)response.StatusCode;
            var (reportedStatus, version) = Parse(body);
            if (status != 200)
                return new HealthAnswer(attempt.Number, $"HTTP {status}: {Shorten(body)}");
            if (version is null)
                return new HealthAnswer(attempt.Number, $"HTTP 200 without a version: {Shorten(body)}");
            if (version != expectedVersion)
                return new HealthAnswer(attempt.Number, $"version {version} is serving, expected {expectedVersion}");
            if (reportedStatus is not null && reportedStatus != "ok")
                return new HealthAnswer(attempt.Number, $"status '{reportedStatus}'");
            return new HealthAnswer(attempt.Number, "", new ServiceHealth(service.Name, url, version, latency.Elapsed, attempt.Number));
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return new HealthAnswer(attempt.Number, e is OperationCanceledException ? "no answer (timed out)" : $"no answer ({e.Message})");
        }
    }

    /// <summary>One attempt's outcome: the health when it passed, otherwise what was wrong.</summary>
    sealed record HealthAnswer(int Attempt, string Problem, ServiceHealth? Health = null);

    static (string? Status, string? Version) Parse(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return (null, null);
            string? Read(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return (Read("status"), Read("version"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    static string Shorten(string body)
    {
        var oneLine = body.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= 200 ? oneLine : oneLine[..200] + "…";
    }

    static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}

/// <summary>A service that answered its health route with the expected version, and how fast.</summary>
public sealed record ServiceHealth(string Service, Uri Url, string Version, TimeSpan Latency, int Attempts);
