using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Manifests;

namespace Pipeline.Gateway.Tests;

/// <summary>
/// The gateway's part in following one request, through a real gateway and real upstreams: the request id it makes, overwrites
/// and answers with, its access log line (the HTTP API access log's keys), what it leaves alone (internal routes, its own
/// endpoints), and the figures <c>Status</c> reads.
/// </summary>
public sealed class GatewayAccessLogTests : IAsyncLifetime
{
    const string AdminToken = "admin-token-for-access-log-tests";

    readonly ServicesFolder services = new ServicesFolder("api", "mcp")
        .Declare("api", """ "publicPaths": ["/docs"] """)
        .Declare("mcp", """ "resourceMetadataPath": "/.well-known/oauth-protected-resource" """);
    readonly SynchronizedWriter accessLog = new();
    readonly List<string?> receivedIds = [];
    readonly List<string?> receivedTraceParents = [];
    LocalServer api = null!;
    LocalServer mcp = null!;
    LocalServer gateway = null!;
    HttpClient http = null!;
    string token = null!;

    public async Task InitializeAsync()
    {
        api = await LocalServer.StartUpstreamAsync(app =>
        {
            app.Map("/fail", () => Results.StatusCode(StatusCodes.Status500InternalServerError));
            app.Map("{**any}", (HttpContext c) => Received(c));
        });
        mcp = await LocalServer.StartUpstreamAsync(app => app.Map("{**any}", (HttpContext c) => Received(c)));
        gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri> { ["api"] = api.BaseAddress, ["mcp"] = mcp.BaseAddress },
            adminToken: AdminToken, accessLog: accessLog);
        http = new HttpClient { BaseAddress = gateway.BaseAddress };
        token = await TestIssuer.TokenAsync(gateway.BaseAddress);
        accessLog.Clear(); // the token request is the issuer's, not the API's: nothing of it is logged anyway
    }

    IResult Received(HttpContext context)
    {
        lock (receivedIds)
        {
            receivedIds.Add(context.Request.Headers[DeploymentNames.RequestIdHeader].FirstOrDefault());
            receivedTraceParents.Add(context.Request.Headers["traceparent"].FirstOrDefault());
        }
        return Results.Json(new { requestId = context.Request.Headers[DeploymentNames.RequestIdHeader].ToString() });
    }

    HttpRequestMessage WithToken(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    IReadOnlyList<JsonObject> Lines() => accessLog.Lines().Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();

    [Fact]
    public async Task A_request_gets_an_id_of_api_gateways_shape_that_the_service_receives_instead_of_the_callers_and_the_caller_is_answered_with()
    {
        using var request = WithToken(HttpMethod.Get, "/api/api/items/7?secret-query=xyz");
        request.Headers.Add(DeploymentNames.RequestIdHeader, "forged-by-the-caller");
        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var id = response.Headers.GetValues(DeploymentNames.GatewayRequestIdResponseHeader).Single();
        id.Should().MatchRegex("^[A-Za-z0-9+/]{15}=$", "API Gateway's HTTP API request ids are base64 of 11 bytes");
        receivedIds.Should().Equal([id], "the gateway overwrites the header, as the integration's overwrite:header.x-request-id mapping does");
        var line = Lines().Should().ContainSingle().Subject;
        line["request_id"]!.GetValue<string>().Should().Be(id);
        line["service"]!.GetValue<string>().Should().Be("gateway");
        line["route"]!.GetValue<string>().Should().Be("ANY /api/api/{proxy+}");
        line["method"]!.GetValue<string>().Should().Be("GET");
        line["path"]!.GetValue<string>().Should().Be("/api/api/items/7", "the query string is never logged");
        line["status"]!.GetValue<int>().Should().Be(200);
        line["integration_status"]!.GetValue<int>().Should().Be(200);
        line["duration_ms"]!.GetValue<double>().Should().BeGreaterThanOrEqualTo(line["integration_latency_ms"]!.GetValue<double>());
        DateTimeOffset.Parse(line["time"]!.GetValue<string>()).Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
        line.ContainsKey("authorizer_error").Should().BeFalse();
        accessLog.ToString().Should().NotContain(token).And.NotContain("secret-query").And.NotContain("forged-by-the-caller");
    }

    [Fact]
    public async Task Ids_differ_per_request()
    {
        var ids = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await http.SendAsync(WithToken(HttpMethod.Get, "/api/api/x"));
            ids.Add(response.Headers.GetValues(DeploymentNames.GatewayRequestIdResponseHeader).Single());
        }
        ids.Should().HaveCount(20);
    }

    [Fact]
    public async Task A_request_turned_away_by_the_token_check_is_logged_with_the_authorizers_error_and_has_an_id_too()
    {
        using var response = await http.GetAsync("/api/api/items");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var id = response.Headers.GetValues(DeploymentNames.GatewayRequestIdResponseHeader).Single();
        var line = Lines().Should().ContainSingle().Subject;
        line["request_id"]!.GetValue<string>().Should().Be(id);
        line["status"]!.GetValue<int>().Should().Be(401);
        line["authorizer_error"]!.GetValue<string>().Should().Be("missing bearer token");
        line.ContainsKey("integration_status").Should().BeFalse("the service was never called");
        receivedIds.Should().BeEmpty();
    }

    [Fact]
    public async Task Public_paths_and_the_metadata_route_log_their_own_route_keys_and_a_request_no_route_matches_logs_a_dash()
    {
        (await http.GetAsync("/api/api/docs")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await http.GetAsync("/.well-known/oauth-protected-resource/api/mcp/mcp")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await http.GetAsync("/nowhere")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        Lines().Select(l => l["route"]!.GetValue<string>()).Should().Equal(
            "ANY /api/api/docs", "GET /.well-known/oauth-protected-resource/api/mcp/{proxy+}", "-");
    }

    [Fact]
    public async Task A_call_on_an_internal_route_keeps_the_callers_id_and_is_neither_logged_nor_counted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_internal/api/items");
        request.Headers.Add(DeploymentNames.RequestIdHeader, "JKJaXmPLvHcESHA=");
        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        receivedIds.Should().Equal("JKJaXmPLvHcESHA=");
        response.Headers.Contains(DeploymentNames.GatewayRequestIdResponseHeader).Should().BeFalse();
        Lines().Should().BeEmpty();
        (await TrafficAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task The_gateway_adds_no_trace_context_of_its_own_and_passes_the_callers_on()
    {
        const string TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        (await http.SendAsync(WithToken(HttpMethod.Get, "/api/api/x"))).StatusCode.Should().Be(HttpStatusCode.OK);
        using var internalCall = new HttpRequestMessage(HttpMethod.Get, "/_internal/api/x");
        internalCall.Headers.Add("traceparent", TraceParent);
        (await http.SendAsync(internalCall)).StatusCode.Should().Be(HttpStatusCode.OK);

        receivedTraceParents.Should().Equal([null, TraceParent], "API Gateway and a load balancer start no trace and keep the caller's");
    }

    [Fact]
    public async Task The_traffic_endpoint_counts_each_services_requests_4xx_5xx_and_latency_through_its_public_routes()
    {
        for (var i = 0; i < 6; i++)
            (await http.SendAsync(WithToken(HttpMethod.Get, "/api/api/ok"))).StatusCode.Should().Be(HttpStatusCode.OK);
        for (var i = 0; i < 3; i++)
            (await http.GetAsync("/api/api/ok")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await http.SendAsync(WithToken(HttpMethod.Get, "/api/api/fail"))).StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        (await http.SendAsync(WithToken(HttpMethod.Get, "/api/mcp/x"))).StatusCode.Should().Be(HttpStatusCode.OK);

        var traffic = await TrafficAsync();
        var api = traffic["api"];
        api.GetProperty("requests").GetInt64().Should().Be(10);
        api.GetProperty("clientErrors").GetInt64().Should().Be(3);
        api.GetProperty("serverErrors").GetInt64().Should().Be(1);
        api.GetProperty("p50Milliseconds").GetDouble().Should().BePositive();
        api.GetProperty("p99Milliseconds").GetDouble().Should().BeGreaterThanOrEqualTo(api.GetProperty("p50Milliseconds").GetDouble());
        traffic["mcp"].GetProperty("requests").GetInt64().Should().Be(1);
        var failed = Lines().Single(l => l["status"]!.GetValue<int>() == 500);
        failed["level"]!.GetValue<string>().Should().Be("error");
    }

    [Fact]
    public async Task The_traffic_endpoint_needs_the_admin_token()
    {
        using var response = await http.GetAsync("/_gateway/traffic");
        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    async Task<Dictionary<string, JsonElement>> TrafficAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_gateway/traffic");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        using var response = await http.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("windowSeconds").GetInt32().Should().Be(900);
        return body.GetProperty("services").EnumerateArray().ToDictionary(s => s.GetProperty("service").GetString()!, s => s.Clone());
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await gateway.DisposeAsync();
        await api.DisposeAsync();
        await mcp.DisposeAsync();
        services.Dispose();
    }

    /// <summary>The access log as the gateway writes it, line by line, from request threads.</summary>
    sealed class SynchronizedWriter : StringWriter
    {
        readonly Lock gate = new();

        public override void WriteLine(string? value)
        {
            lock (gate)
                base.WriteLine(value);
        }

        public IReadOnlyList<string> Lines()
        {
            lock (gate)
                return ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }

        public void Clear()
        {
            lock (gate)
                GetStringBuilder().Clear();
        }
    }
}
