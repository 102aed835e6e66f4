using System.Collections.Concurrent;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Deployment;

public sealed class HealthCheckerTests : IAsyncDisposable
{
    readonly ScriptedHealthServer gateway = new();
    readonly HttpClient http = new();
    readonly HealthChecker checker;
    readonly RecordingLog log = new();

    static readonly ServiceManifest Api = new() { Name = "api", Port = 8000, RoutePrefix = "/api/api", HealthPath = "/health" };
    static readonly ServiceManifest Tools = new() { Name = "tools", Port = 3000, RoutePrefix = "/api/tools", HealthPath = "/healthz" };

    public HealthCheckerTests() => checker = new HealthChecker(http, TimeSpan.FromMilliseconds(50));

    static (int, string) Healthy(string service, string version) => (200, $"{{\"status\":\"ok\",\"service\":\"{service}\",\"version\":\"{version}\"}}");

    [Fact]
    public async Task Every_service_answering_the_deployed_version_is_healthy_with_its_latency()
    {
        gateway.Script("/api/api/health", Healthy("api", "v2"));
        gateway.Script("/api/tools/healthz", Healthy("tools", "t7"));

        var results = await checker.CheckAsync(gateway.BaseUrl, [(Api, "v2"), (Tools, "t7")], TimeSpan.FromSeconds(5), log, default);

        results.Select(r => (r.Service, r.Version)).Should().Equal(("api", "v2"), ("tools", "t7"));
        results.Should().OnlyContain(r => r.Latency > TimeSpan.Zero);
        log.Lines.Should().Contain(l => l.StartsWith("api: healthy, version v2, ") && l.Contains(" ms ("));
    }

    [Fact]
    public async Task A_dry_run_names_each_health_url_and_version_and_asks_nothing()
    {
        var dryRun = new HealthChecker(http) { DryRun = true };

        var results = await dryRun.CheckAsync(gateway.BaseUrl, [(Api, "v2"), (Tools, "t7")], TimeSpan.FromSeconds(5), log, default);

        results.Should().BeEmpty();
        log.Lines.Should().Equal(
            $"would check {gateway.BaseUrl.ToString().TrimEnd('/')}/api/api/health serves version v2",
            $"would check {gateway.BaseUrl.ToString().TrimEnd('/')}/api/tools/healthz serves version t7");
        gateway.RequestCount.Should().Be(0);
    }

    [Fact]
    public async Task Errors_and_the_old_version_are_retried_until_the_new_version_serves()
    {
        gateway.Script("/api/api/health", (500, "{\"detail\":\"boom\"}"), (502, "Bad Gateway"), Healthy("api", "v1"), Healthy("api", "v2"));

        var results = await checker.CheckAsync(gateway.BaseUrl, [(Api, "v2")], TimeSpan.FromSeconds(10), log, default);

        results.Single().Attempts.Should().Be(4);
        log.Lines.Should().Contain(l => l.Contains("HTTP 500")).And.Contain(l => l.Contains("version v1 is serving, expected v2"));
    }

    [Fact]
    public async Task A_service_that_keeps_answering_500_fails_at_the_deadline_naming_service_url_and_answer()
    {
        gateway.Script("/api/api/health", (500, "{\"detail\":\"database down\"}"));

        var check = () => checker.CheckAsync(gateway.BaseUrl, [(Api, "v2")], TimeSpan.FromSeconds(1), log, default);

        (await check.Should().ThrowAsync<PipelineException>()).Which.Message.Should()
            .Contain("Service api").And.Contain(new Uri(gateway.BaseUrl, "/api/api/health").ToString()).And.Contain("HTTP 500").And.Contain("database down");
    }

    [Fact]
    public async Task A_service_serving_the_wrong_version_fails_saying_which_version_serves()
    {
        gateway.Script("/api/tools/healthz", Healthy("tools", "old"));
        gateway.Script("/api/api/health", Healthy("api", "v2"));

        var check = () => checker.CheckAsync(gateway.BaseUrl, [(Api, "v2"), (Tools, "new")], TimeSpan.FromSeconds(1), log, default);

        var message = (await check.Should().ThrowAsync<PipelineException>()).Which.Message;
        message.Should().Contain("Service tools").And.Contain("version old is serving, expected new").And.NotContain("Service api");
    }

    [Fact]
    public void The_health_URL_is_the_base_plus_route_prefix_plus_health_path()
    {
        HealthChecker.HealthUrl(new Uri("https://abc.execute-api.eu-west-1.amazonaws.com/"), Tools)
            .Should().Be(new Uri("https://abc.execute-api.eu-west-1.amazonaws.com/api/tools/healthz"));
    }

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await gateway.DisposeAsync();
    }

    sealed class RecordingLog : IStepLog
    {
        readonly ConcurrentQueue<string> lines = new();

        public IReadOnlyList<string> Lines => lines.ToList();

        public void Info(string message) => lines.Enqueue(message);

        public void Warn(string message) => lines.Enqueue(message);

        public void Detail(string message) => lines.Enqueue(message);
    }
}
