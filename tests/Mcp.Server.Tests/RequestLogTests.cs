using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mcp.Server.Tests;

/// <summary>
/// The server as its own process, logging to its real stdout through the console formatter it registers, with the fake
/// fastapi service and a token issuer: what a tool call sends on to fastapi, what it answers, and the JSON lines it writes.
/// </summary>
// Starts the server as a process of its own: CI runs it, not the inner loop (./build.sh Dev) after every save.
[Trait("Category", "Integration")]
public sealed class RequestLogTests(LoggingMcpServer server) : IClassFixture<LoggingMcpServer>
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string ParentId = "00f067aa0ba902b7";

    private static readonly string[] SharedFields = ["time", "level", "service", "version", "message", "event", "logger"];

    [Fact]
    public async Task A_tool_call_sends_fastapi_the_request_id_and_its_trace_and_logs_both_requests_without_the_token()
    {
        using var request = server.ToolCall("compute_statistics", """{"values":[1,2,3]}""", server.Token);
        request.Headers.Add("X-Request-Id", "mcp-logs-call-1");
        request.Headers.Add("traceparent", $"00-{TraceId}-{ParentId}-01");
        request.Headers.Add("tracestate", "vendor=incoming");

        using var response = await server.Http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Contain(FakeFastApi.ComputedBy);
        response.Headers.GetValues("X-Request-Id").Should().Equal("mcp-logs-call-1");

        var received = server.FastApi.ReceivedHeaders.Where(headers => headers.GetValueOrDefault("X-Request-Id") == "mcp-logs-call-1").ToList();
        received.Should().ContainSingle("one call reached fastapi with the request id mcp was serving");
        var sentTraceParent = Regex.Match(received[0]["traceparent"], $"^00-{TraceId}-(?<span>[0-9a-f]{{16}})-01$");
        sentTraceParent.Success.Should().BeTrue($"fastapi gets one traceparent in mcp's trace, not '{received[0]["traceparent"]}'");
        received[0].Keys.Should().NotContain("tracestate", "only the traceparent mcp writes goes out");

        var lines = await server.LinesOfAsync("mcp-logs-call-1");
        var served = lines.Single(line => Text(line, "event") == "request");
        var outgoing = lines.Single(line => Text(line, "event") == "outgoing_request");

        Text(served, "level").Should().Be("info");
        Text(served, "service").Should().Be("mcp");
        Text(served, "version").Should().Be(LoggingMcpServer.Version);
        Text(served, "method").Should().Be("POST");
        Text(served, "route").Should().Be("/mcp");
        Text(served, "path").Should().Be("/mcp");
        served.GetProperty("status").GetInt32().Should().Be(200);
        served.GetProperty("duration_ms").ValueKind.Should().Be(JsonValueKind.Number);
        Text(served, "trace_id").Should().Be(TraceId);
        Text(served, "parent_span_id").Should().Be(ParentId);
        var serverSpan = Text(served, "span_id");
        serverSpan.Should().MatchRegex("^[0-9a-f]{16}$").And.NotBe(ParentId);
        Text(served, "mcp_method").Should().Be("tools/call");
        Text(served, "tool").Should().Be("compute_statistics");

        Text(outgoing, "peer_service").Should().Be("fastapi");
        Text(outgoing, "request_id").Should().Be("mcp-logs-call-1");
        Text(outgoing, "trace_id").Should().Be(TraceId);
        Text(outgoing, "span_id").Should().Be(sentTraceParent.Groups["span"].Value).And.NotBe(serverSpan);
        Text(outgoing, "parent_span_id").Should().Be(serverSpan);
        Text(outgoing, "method").Should().Be("POST");
        Text(outgoing, "path").Should().Be("/compute/statistics");
        outgoing.GetProperty("status").GetInt32().Should().Be(200);
        outgoing.GetProperty("duration_ms").ValueKind.Should().Be(JsonValueKind.Number);

        server.Process.Output.Should().NotContain(server.Token).And.NotContain("\"values\"").And.NotContain("vendor=incoming");
    }

    [Fact]
    public async Task A_call_without_a_request_id_gets_one_of_the_gateways_shape_that_fastapi_receives_too()
    {
        using var request = server.ToolCall("analyze_text", """{"text":"a b a"}""", server.Token);

        using var response = await server.Http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var requestId = response.Headers.GetValues("X-Request-Id").Single();
        Convert.FromBase64String(requestId).Should().HaveCount(11);
        var lines = await server.LinesOfAsync(requestId);
        var traceId = Text(lines.Single(line => Text(line, "event") == "request"), "trace_id");
        var received = server.FastApi.ReceivedHeaders.Single(headers => headers.GetValueOrDefault("X-Request-Id") == requestId);
        received["traceparent"].Should().MatchRegex($"^00-{traceId}-[0-9a-f]{{16}}-01$");
        lines.Single(line => Text(line, "event") == "request").TryGetProperty("parent_span_id", out _).Should().BeFalse();
    }

    [Fact]
    public async Task A_request_refused_for_its_token_is_logged_with_its_401_and_never_the_token()
    {
        using var request = server.ToolCall("hash_text", """{"text":"x"}""", "forged-token-value-123");
        request.Headers.Add("X-Request-Id", "mcp-logs-401");

        using var response = await server.Http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.GetValues("X-Request-Id").Should().Equal("mcp-logs-401");
        var line = (await server.LinesOfAsync("mcp-logs-401")).Single(line => Text(line, "event") == "request");
        line.GetProperty("status").GetInt32().Should().Be(401);
        Text(line, "route").Should().Be("/mcp");
        server.Process.Output.Should().NotContain("forged-token-value-123");
    }

    [Fact]
    public async Task A_successful_health_check_is_answered_with_the_request_id_and_not_logged()
    {
        using var health = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "/health"));
        health.Headers.Add("X-Request-Id", "mcp-logs-health");
        using var healthResponse = await server.Http.SendAsync(health);
        using var after = new HttpRequestMessage(HttpMethod.Get, server.BaseAddress);
        after.Headers.Add("X-Request-Id", "mcp-logs-after-health");
        using var afterResponse = await server.Http.SendAsync(after);

        healthResponse.StatusCode.Should().Be(HttpStatusCode.OK);
        healthResponse.Headers.GetValues("X-Request-Id").Should().Equal("mcp-logs-health");
        // Lines are written in order: once the later request's line is out, the health check's would be too.
        await server.LinesOfAsync("mcp-logs-after-health");
        server.Process.Output.Should().NotContain("mcp-logs-health");
    }

    [Fact]
    public async Task Every_line_the_server_writes_is_a_json_object_with_the_shared_fields()
    {
        using var response = await server.Http.GetAsync(new Uri(server.BaseAddress, "/no-such-path?token=secret-in-the-query"));
        var requestId = response.Headers.GetValues("X-Request-Id").Single();
        var line = (await server.LinesOfAsync(requestId)).Single();

        line.GetProperty("route").ValueKind.Should().Be(JsonValueKind.Null);
        Text(line, "path").Should().Be("/no-such-path");
        server.Process.Output.Should().NotContain("secret-in-the-query");
        var all = JsonLogLines.Parse(server.Process.Output);
        all.Should().Contain(started => Text(started, "event") == "started");
        foreach (var written in all)
        {
            SharedFields.Where(field => !written.TryGetProperty(field, out _)).Should().BeEmpty(written.ToString());
            Text(written, "service").Should().Be("mcp");
        }
    }

    [Fact]
    public async Task A_call_that_gets_no_answer_is_logged_with_a_null_status_and_the_exception_type()
    {
        var closedPort = McpServerProcess.FreePort();
        await using var unreachable = await LoggingMcpServer.StartAsync(new Uri($"http://127.0.0.1:{closedPort}"), server.Issuer);
        using var request = unreachable.ToolCall("compute_statistics", """{"values":[1]}""", server.Issuer.MintToken());
        request.Headers.Add("X-Request-Id", "mcp-logs-unreachable");

        using var response = await unreachable.Http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK, "a tool error is an MCP result");
        var outgoing = (await unreachable.LinesOfAsync("mcp-logs-unreachable")).Single(line => Text(line, "event") == "outgoing_request");
        outgoing.GetProperty("status").ValueKind.Should().Be(JsonValueKind.Null);
        Text(outgoing, "level").Should().Be("error");
        Text(outgoing, "exception_type").Should().Be("System.Net.Http.HttpRequestException");
        Text(outgoing, "path").Should().Be("/compute/statistics");
    }

    private static string? Text(JsonElement line, string name) => line.GetProperty(name).GetString();
}

/// <summary>
/// One server process for a class of tests, with its fake fastapi and token issuer, and the JSON lines it has written.
/// </summary>
public sealed class LoggingMcpServer : IAsyncLifetime, IAsyncDisposable
{
    public const string Version = "logs-1";

    private static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(15);

    private TestIssuer? _ownIssuer;
    private FakeFastApi? _ownFastApi;

    public McpServerProcess Process { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public TestIssuer Issuer { get; private set; } = null!;

    public FakeFastApi FastApi => _ownFastApi!;

    public string Token { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public async Task InitializeAsync()
    {
        _ownIssuer = Issuer = await TestIssuer.StartAsync();
        _ownFastApi = await FakeFastApi.StartAsync();
        await StartProcessAsync(_ownFastApi.BaseAddress);
    }

    /// <summary>A second server of the same kind, calling <paramref name="fastApi"/>, with tokens from <paramref name="issuer"/>.</summary>
    public static async Task<LoggingMcpServer> StartAsync(Uri fastApi, TestIssuer issuer)
    {
        var server = new LoggingMcpServer { Issuer = issuer };
        await server.StartProcessAsync(fastApi);
        return server;
    }

    /// <summary>A <c>tools/call</c> as a client posts it to the stateless endpoint, with <paramref name="token"/> as its bearer token.</summary>
    public HttpRequestMessage ToolCall(string tool, string argumentsJson, string token)
    {
        var body = $$"""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"{{tool}}","arguments":""" + argumentsJson + "}}";
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BaseAddress, "/mcp"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        return request;
    }

    /// <summary>
    /// The lines with this request id, once its <c>request</c> line is out: written when the request ends, it is the last of
    /// them. The console writes in the background, so it may come after the response.
    /// </summary>
    public Task<IReadOnlyList<JsonElement>> LinesOfAsync(string requestId) =>
        Eventually.UntilAsync(
            $"the request line of request_id {requestId}",
            () => (IReadOnlyList<JsonElement>)JsonLogLines.Parse(Process.Output)
                .Where(line => line.TryGetProperty("request_id", out var id) && id.GetString() == requestId)
                .ToList(),
            lines => lines.Any(line => line.GetProperty("event").GetString() == "request"),
            LineTimeout,
            describe: lines => $"{lines.Count} line(s) with that id, none of them the request line",
            details: () => Task.FromResult($"The server's output:\n{Process.Output}"));

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (Process is not null)
        {
            await Process.DisposeAsync();
        }

        if (_ownFastApi is not null)
        {
            await _ownFastApi.DisposeAsync();
        }

        if (_ownIssuer is not null)
        {
            await _ownIssuer.DisposeAsync();
        }
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();

    private async Task StartProcessAsync(Uri fastApi)
    {
        var port = McpServerProcess.FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        Token = Issuer.MintToken();
        Process = McpServerProcess.Start(new Dictionary<string, string>(Issuer.ServerEnvironment)
        {
            ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["BIND_ADDRESS"] = "127.0.0.1",
            ["SERVICE_VERSION"] = Version,
            ["SERVICE_URL_FASTAPI"] = fastApi.AbsoluteUri.TrimEnd('/'),
        });
        await Process.WaitUntilHealthyAsync(new Uri(BaseAddress, "/health"));
    }
}
