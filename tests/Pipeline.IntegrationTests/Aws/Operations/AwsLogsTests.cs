using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Build.Aws.Operations;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Aws.Operations;

/// <summary>
/// <c>./build.sh Logs</c> on AWS against moto over HTTP: <c>--request-id</c> sends one Logs Insights query (StartQuery, then
/// GetQueryResults until it completes) over the access log and the services' groups, the window and a filter on the id, and
/// prints the rows in the lines' own time order; without an id, each group's lines since <c>--since</c>, merged.
/// </summary>
/// <remarks>
/// moto 5.2.1 runs a Logs Insights query's <c>fields</c>, <c>sort</c> and <c>limit</c> and the time window, but ignores
/// <c>filter</c>: it answers every line of the groups in the window. So these tests put only the asked request's lines in the
/// window, and check the filter in the query string moto receives; the query string itself is unit-tested.
/// </remarks>
public sealed class AwsLogsTests(MotoServer moto) : MotoTests(moto)
{
    static readonly IReadOnlyList<ServiceManifest> Services =
    [
        new() { Name = "fastapi", Port = 8000, RoutePrefix = "/api/fastapi" },
        new() { Name = "mcp", Port = 3000, RoutePrefix = "/api/mcp", Uses = ["fastapi"] },
    ];

    const string FastApiStream = "fastapi/fastapi/0123456789abcdef0123456789abcdef";
    const string McpStream = "mcp/mcp/89abcdef0123456789abcdef01234567";

    // Whole seconds, so the window moto filters on is exactly the one the query names.
    readonly DateTimeOffset now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    readonly StringWriter notes = new();
    string? startQuery;

    EnvironmentLogs Logs(MotoEnvironment environment) =>
        new(environment.Context(Proxy.Endpoint), notes) { Clock = new FakeTimeProvider(now), QueryPollInterval = TimeSpan.FromMilliseconds(20), FollowInterval = TimeSpan.FromMilliseconds(50) };

    static LogQuery Query(string? requestId = null, ServiceManifest? service = null, TimeSpan? since = null, int tail = 100, bool follow = false, LogFormat format = LogFormat.Text) =>
        new(service, requestId, since, tail, follow, format);

    void RecordStartQuery() => Proxy.When("StartQuery", call =>
    {
        startQuery = call.RequestBody;
        return Task.FromResult<MotoProxyReply?>(null);
    });

    static string Line(DateTimeOffset time, string service, string requestId, string evt, string extra = "") =>
        $$"""{"time":"{{time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}","level":"info","service":"{{service}}","message":"{{evt}}","event":"{{evt}}","request_id":"{{requestId}}"{{extra}}}""";

    /// <summary>
    /// One request through the gateway, mcp and fastapi, each line stamped with when its part began: mcp's request, its call to
    /// fastapi, fastapi's request. CloudWatch Logs received them in another order (each line is written when its part ends),
    /// and fastapi has a line of the same request from before the window.
    /// </summary>
    async Task<(MotoEnvironment Environment, string RequestId, DateTimeOffset Start)> OneRequestAsync()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);
        var requestId = RequestIds.New();
        var start = now.AddSeconds(-10);
        await environment.PutLinesAsync(environment.AccessLogGroup, "access",
            (start.AddMilliseconds(50), $$"""{"time":"{{start.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}","service":"gateway","request_id":"{{requestId}}","method":"POST","route":"ANY /api/mcp/{proxy+}","path":"/api/mcp/mcp","status":"200","duration_ms":"45"}"""));
        await environment.PutLinesAsync(environment.LogGroupOf("mcp"), McpStream,
            (start.AddMilliseconds(35), Line(start.AddMilliseconds(10), "mcp", requestId, "outgoing_request", ",\"peer_service\":\"fastapi\"")),
            (start.AddMilliseconds(45), Line(start.AddMilliseconds(5), "mcp", requestId, "request")));
        await environment.PutLinesAsync(environment.LogGroupOf("fastapi"), FastApiStream,
            (now.AddHours(-25), Line(now.AddHours(-25), "fastapi", requestId, "request")),
            (start.AddMilliseconds(60), Line(start.AddMilliseconds(20), "fastapi", requestId, "request")));
        return (environment, requestId, start);
    }

    [Fact]
    public async Task A_request_id_sends_one_insights_query_over_the_access_log_and_every_services_group_and_prints_its_lines_in_time_order()
    {
        var (environment, requestId, _) = await OneRequestAsync();
        RecordStartQuery();
        var output = new StringWriter();

        await Logs(environment).ShowAsync(Query(requestId), output, default);

        Proxy.Actions.Count(a => a == "StartQuery").Should().Be(1, "one query gathers every group's lines");
        var sent = JsonNode.Parse(startQuery!)!;
        sent["logGroupNames"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal(
            environment.AccessLogGroup, environment.LogGroupOf("fastapi"), environment.LogGroupOf("mcp"));
        sent["startTime"]!.GetValue<long>().Should().Be(now.AddHours(-24).ToUnixTimeSeconds(), "--request-id looks back a day unless --since says otherwise");
        sent["endTime"]!.GetValue<long>().Should().Be(now.ToUnixTimeSeconds());
        sent["queryString"]!.GetValue<string>().Should().Be(EnvironmentLogs.InsightsQuery(requestId))
            .And.Contain($"| filter request_id = \"{requestId}\"");
        Proxy.Actions.Should().Contain("GetQueryResults");

        var lines = output.ToString().TrimEnd('\n').Split('\n');
        lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).Should().Equal("gateway", "mcp/89abcdef", "mcp/89abcdef", "fastapi/01234567");
        lines.Should().AllSatisfy(l => l.Should().Contain(requestId));
        lines[0].Should().Contain("POST ANY /api/mcp/{proxy+} 200 45 ms");
        lines[1].Should().NotContain("outgoing_request", "mcp's request began before its call to fastapi");
        lines[2].Should().Contain("outgoing_request").And.Contain("peer_service=fastapi");
        notes.ToString().Should().BeEmpty();
    }

    [Fact]
    public async Task With_a_service_the_query_covers_the_access_log_and_that_services_group_over_since_and_prints_json_lines()
    {
        var (environment, requestId, start) = await OneRequestAsync();
        RecordStartQuery();
        var output = new StringWriter();

        await Logs(environment).ShowAsync(Query(requestId, Services[0], since: TimeSpan.FromHours(2), format: LogFormat.Json), output, default);

        var sent = JsonNode.Parse(startQuery!)!;
        sent["logGroupNames"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal(environment.AccessLogGroup, environment.LogGroupOf("fastapi"));
        sent["startTime"]!.GetValue<long>().Should().Be(now.AddHours(-2).ToUnixTimeSeconds());
        var lines = output.ToString().TrimEnd('\n').Split('\n').Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        lines.Select(l => l["source"]!.GetValue<string>()).Should().Equal("gateway", "fastapi/01234567");
        lines.Should().AllSatisfy(l => l["request_id"]!.GetValue<string>().Should().Be(requestId));
        lines.Select(l => l["timestamp"]!.GetValue<string>()).Should().Equal(
            start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"), start.AddMilliseconds(20).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"));
        lines[1]["event"]!.GetValue<string>().Should().Be("request");
    }

    [Fact]
    public async Task A_request_without_lines_in_the_window_says_so_naming_the_groups_and_the_window_and_how_to_look_further_back()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);
        var requestId = RequestIds.New();
        await environment.PutLinesAsync(environment.LogGroupOf("fastapi"), FastApiStream, (now.AddHours(-30), Line(now.AddHours(-30), "fastapi", requestId, "request")));
        var output = new StringWriter();

        await Logs(environment).ShowAsync(Query(requestId), output, default);

        output.ToString().Should().BeEmpty();
        notes.ToString().Should().Contain($"No log lines of request {requestId} in {environment.AccessLogGroup}, {environment.LogGroupOf("fastapi")}, {environment.LogGroupOf("mcp")}")
            .And.Contain($"from {now.AddHours(-24).UtcDateTime:yyyy-MM-dd HH:mm:ss}Z to {now.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z")
            .And.Contain("--since 72h");
    }

    [Fact]
    public async Task An_environment_deployed_before_the_access_log_output_is_queried_over_its_services_with_a_warning()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services, withAccessLogOutput: false);
        RecordStartQuery();

        await Logs(environment).ShowAsync(Query(RequestIds.New()), new StringWriter(), default);

        JsonNode.Parse(startQuery!)!["logGroupNames"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal(environment.LogGroupOf("fastapi"), environment.LogGroupOf("mcp"));
        notes.ToString().Should().Contain($"stack {DeploymentNames.SharedStack(environment.Environment)} has no {DeploymentNames.AccessLogGroupOutput} output")
            .And.Contain("the gateway's access log lines are left out").And.Contain("./build.sh Deploy");
    }

    [Fact]
    public async Task A_query_that_fails_names_its_id_and_what_to_do()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);
        string? queryId = null;
        Proxy.When("StartQuery", async call =>
        {
            var reply = await call.ForwardAsync();
            queryId = JsonNode.Parse(reply.Body)!["queryId"]!.GetValue<string>();
            return reply;
        });
        Proxy.When("GetQueryResults", _ => Task.FromResult<MotoProxyReply?>(new(200, """{"status":"Failed","results":[]}""", "application/x-amz-json-1.1")));

        var failure = await FluentActions.Awaiting(() => Logs(environment).ShowAsync(Query(RequestIds.New()), new StringWriter(), default))
            .Should().ThrowAsync<PipelineException>();

        failure.Which.Message.Should().Contain($"Logs Insights query {queryId} ended Failed").And.Contain("again")
            .And.Contain($"aws logs get-query-results --query-id {queryId}");
    }

    [Fact]
    public async Task Ctrl_C_while_the_query_runs_stops_it_so_it_scans_no_more()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);
        using var interrupt = new CancellationTokenSource();
        var looks = 0;
        Proxy.When("GetQueryResults", _ =>
        {
            if (Interlocked.Increment(ref looks) == 2)
                interrupt.Cancel();
            return Task.FromResult<MotoProxyReply?>(new(200, """{"status":"Running","results":[],"statistics":{"recordsScanned":1200,"bytesScanned":350000}}""", "application/x-amz-json-1.1"));
        });
        string? stopped = null;
        Proxy.When("StopQuery", call =>
        {
            stopped = call.RequestBody;
            return Task.FromResult<MotoProxyReply?>(new(200, """{"success":true}""", "application/x-amz-json-1.1"));
        });

        await FluentActions.Awaiting(() => Logs(environment).ShowAsync(Query(RequestIds.New()), new StringWriter(), interrupt.Token))
            .Should().ThrowAsync<OperationCanceledException>();

        stopped.Should().NotBeNull().And.Contain("queryId");
        notes.ToString().Should().Contain("is searching 3 log groups (Ctrl+C stops it)").And.Contain("Stopped Logs Insights query");
    }

    [Fact]
    public async Task A_query_still_running_at_the_deadline_is_stopped_and_the_timeout_says_what_to_ask_instead()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);
        Proxy.When("GetQueryResults", _ => Task.FromResult<MotoProxyReply?>(new(200, """{"status":"Running","results":[]}""", "application/x-amz-json-1.1")));
        Proxy.When("StopQuery", _ => Task.FromResult<MotoProxyReply?>(new(200, """{"success":true}""", "application/x-amz-json-1.1")));

        var failure = await FluentActions.Awaiting(() => new EnvironmentLogs(environment.Context(Proxy.Endpoint), notes)
        {
            Clock = new FakeTimeProvider(now), QueryPollInterval = TimeSpan.FromMilliseconds(20), QueryDeadline = TimeSpan.FromMilliseconds(300),
        }.ShowAsync(Query(RequestIds.New()), new StringWriter(), default)).Should().ThrowAsync<PollTimeoutException>();

        failure.Which.Message.Should().MatchRegex(@"^Logs Insights query \S+ is still Running after 0\.3 s; the pipeline stopped it, so it scans no more; " +
            @"run aws logs get-query-results --query-id \S+ to see it, then ask for a shorter window with --since, or one --service\.$");
        Proxy.Actions.Should().Contain("StopQuery");
    }

    [Fact]
    public async Task Follow_with_a_request_id_is_refused_before_anything_is_asked()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);

        var failure = await FluentActions.Awaiting(() => Logs(environment).ShowAsync(Query("JKJaXmPLvHcESHA=", follow: true), new StringWriter(), default))
            .Should().ThrowAsync<PipelineException>();

        failure.Which.Message.Should().Contain("Logs --request-id JKJaXmPLvHcESHA= --follow").And.Contain("Leave out --follow");
        Proxy.Actions.Should().BeEmpty();
    }

    [Fact]
    public async Task Without_a_request_id_every_groups_lines_since_the_window_merge_in_time_order_and_the_tail_applies_to_the_merge()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);
        var secret = "secret-" + Guid.NewGuid().ToString("N");
        SecretMasker.Register(secret);
        await environment.PutLinesAsync(environment.LogGroupOf("fastapi"), FastApiStream,
            (now.AddHours(-2), "fastapi: before the window"),
            (now.AddMinutes(-40), "fastapi: first in the window"),
            (now.AddMinutes(-10), $"fastapi: third, holding {secret}"));
        await environment.PutLinesAsync(environment.LogGroupOf("mcp"), McpStream, (now.AddMinutes(-20), "mcp: second"), (now.AddMinutes(-5), "mcp: fourth"));
        await environment.PutLinesAsync(environment.AccessLogGroup, "access",
            (now.AddMinutes(-1), $$"""{"time":"{{now.AddMinutes(-1).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}","service":"gateway","request_id":"JKJaXmPLvHcESHA=","status":"200"}"""));
        var output = new StringWriter();

        await Logs(environment).ShowAsync(Query(tail: 3), new MaskingTextWriter(output), default);

        Proxy.Actions.Should().NotContain("StartQuery", "plain Logs reads each group's recent lines");
        var lines = output.ToString().TrimEnd('\n').Split('\n');
        lines.Should().HaveCount(3, "--tail 3 of the merged lines");
        lines[0].Should().EndWith($"fastapi/01234567 fastapi: third, holding {SecretMasker.Mask}", "output is masked like every other");
        lines[1].Should().EndWith("mcp/89abcdef mcp: fourth");
        lines[2].Should().Contain("gateway").And.Contain("JKJaXmPLvHcESHA= 200");
        output.ToString().Should().NotContain(secret);
    }

    [Fact]
    public async Task Follow_prints_each_new_line_of_the_groups_until_interrupted()
    {
        var environment = await MotoEnvironment.CreateAsync(Connection, Http, Services);
        await environment.PutLinesAsync(environment.LogGroupOf("fastapi"), FastApiStream, (now.AddSeconds(-5), "fastapi: before following"));
        var output = new WatchedWriter();
        using var interrupt = new CancellationTokenSource();

        var following = Logs(environment).ShowAsync(Query(service: Services[0], follow: true), output, interrupt.Token);
        await output.Seen("before following").WaitAsync(TimeSpan.FromSeconds(30));
        await environment.PutLinesAsync(environment.LogGroupOf("fastapi"), FastApiStream, (DateTimeOffset.UtcNow.AddSeconds(1), "fastapi: while following"));
        await output.Seen("while following").WaitAsync(TimeSpan.FromSeconds(30));
        interrupt.Cancel();

        await FluentActions.Awaiting(() => following).Should().ThrowAsync<OperationCanceledException>();
        output.Lines.Should().HaveCount(2);
        output.Lines[1].Should().EndWith("fastapi/01234567 fastapi: while following");
    }

    /// <summary>A writer that tells when a line with some text has been written.</summary>
    sealed class WatchedWriter : StringWriter
    {
        readonly List<(string Text, TaskCompletionSource Seen)> watches = [];
        readonly List<string> lines = [];

        public IReadOnlyList<string> Lines
        {
            get { lock (lines) return lines.ToList(); }
        }

        public Task Seen(string text)
        {
            lock (lines)
            {
                var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                    seen.SetResult();
                else
                    watches.Add((text, seen));
                return seen.Task;
            }
        }

        public override void WriteLine(string? value)
        {
            lock (lines)
            {
                lines.Add(value ?? "");
                foreach (var watch in watches.Where(w => (value ?? "").Contains(w.Text, StringComparison.Ordinal)))
                    watch.Seen.TrySetResult();
            }
        }
    }
}
