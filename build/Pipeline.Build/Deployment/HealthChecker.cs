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

    public async Task<IReadOnlyList<ServiceHealth>> CheckAsync(
        Uri baseUrl, IReadOnlyList<(ServiceManifest Service, string ExpectedVersion)> services, TimeSpan deadline, IStepLog log, CancellationToken ct)
    {
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
        var total = Stopwatch.StartNew();
        var delay = firstRetryDelay;
        var attempts = 0;
        string lastProblem;
        while (true)
        {
            attempts++;
            var attempt = Stopwatch.StartNew();
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(Max(TimeSpan.FromSeconds(1), Min(TimeSpan.FromSeconds(10), deadline - total.Elapsed)));
                using var response = await http.GetAsync(url, timeout.Token);
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                attempt.Stop();
                var status = (int)response.StatusCode;
                var (reportedStatus, version) = Parse(body);
                if (status != 200)
                    lastProblem = $"HTTP {status}: {Shorten(body)}";
                else if (version is null)
                    lastProblem = $"HTTP 200 without a version: {Shorten(body)}";
                else if (version != expectedVersion)
                    lastProblem = $"version {version} is serving, expected {expectedVersion}";
                else if (reportedStatus is not null && reportedStatus != "ok")
                    lastProblem = $"status '{reportedStatus}'";
                else
                {
                    log.Info($"{service.Name}: healthy, version {version}, {attempt.ElapsedMilliseconds} ms ({url})");
                    return new ServiceHealth(service.Name, url, version, attempt.Elapsed, attempts);
                }
            }
            catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                lastProblem = e is OperationCanceledException ? "no answer (timed out)" : $"no answer ({e.Message})";
            }

            if (total.Elapsed + delay >= deadline)
                throw new PipelineException(
                    $"Service {service.Name}: health check at {url} failed after {attempts} attempt(s) in {total.Elapsed.TotalSeconds:0} s: {lastProblem}. " +
                    "Check the service's logs and the gateway route; the deploy is not confirmed.");
            log.Detail($"{service.Name}: not yet healthy ({lastProblem}); retrying in {delay.TotalSeconds:0.#} s");
            await Task.Delay(delay, ct);
            delay = Min(MaxRetryDelay, delay * 2);
        }
    }

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
