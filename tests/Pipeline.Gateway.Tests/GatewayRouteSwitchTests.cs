using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Pipeline.Gateway.Tests;

/// <summary>Switching a service's upstream while the gateway runs, through the admin endpoint the pipeline uses.</summary>
public sealed class GatewayRouteSwitchTests : IAsyncLifetime
{
    const string Token = "test-admin-token-0123456789";
    readonly ServicesFolder services = new("alpha", "beta");
    readonly HttpClient client = new() { Timeout = TimeSpan.FromSeconds(20) };
    /// <summary>Sends the API token the service routes need; <see cref="client"/> sends none (the admin requests bring the admin token).</summary>
    HttpClient api = null!;
    LocalServer blue = null!;
    LocalServer green = null!;
    LocalServer beta = null!;
    LocalServer gateway = null!;

    public async Task InitializeAsync()
    {
        blue = await LocalServer.StartUpstreamAsync(app => app.Map("{**any}", (HttpContext c) => Results.Json(Echo("blue", c))));
        green = await LocalServer.StartUpstreamAsync(app => app.Map("{**any}", (HttpContext c) => Results.Json(Echo("green", c))));
        beta = await LocalServer.StartUpstreamAsync(app => app.Map("{**any}", (HttpContext c) => Results.Json(Echo("beta", c))));
        gateway = await LocalServer.StartGatewayAsync(services.Path,
            new Dictionary<string, Uri> { ["alpha"] = blue.BaseAddress, ["beta"] = beta.BaseAddress }, adminToken: Token);
        client.BaseAddress = gateway.BaseAddress;
        api = await TestIssuer.AuthorizedClientAsync(gateway.BaseAddress, TimeSpan.FromSeconds(20));
    }

    static object Echo(string upstream, HttpContext context) => new
    {
        upstream,
        path = context.Request.Path.Value,
        method = context.Request.Method,
        prefix = context.Request.Headers["X-Forwarded-Prefix"].ToString(),
    };

    sealed record EchoBody(string Upstream, string Path, string Method, string Prefix);

    async Task<EchoBody> EchoAsync(string path)
    {
        using var response = await api.GetAsync(path);
        response.StatusCode.Should().Be(HttpStatusCode.OK, path);
        return (await response.Content.ReadFromJsonAsync<EchoBody>())!;
    }

    HttpRequestMessage SwitchRequest(string service, Uri upstream, string? token = Token)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"{GatewayAdmin.RoutesPath}/{service}")
        {
            Content = JsonContent.Create(new { upstream = upstream.ToString() }),
        };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    async Task<JsonElement> SwitchAsync(string service, Uri upstream)
    {
        using var response = await client.SendAsync(SwitchRequest(service, upstream));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement;
    }

    async Task<string> UpstreamOfAsync(string service)
    {
        var health = JsonDocument.Parse(await client.GetStringAsync(GatewayApp.HealthPath)).RootElement;
        return health.GetProperty("routes").EnumerateArray().Single(r => r.GetProperty("service").GetString() == service).GetProperty("upstream").GetString()!;
    }

    [Fact]
    public async Task A_switch_sends_the_next_request_to_the_new_upstream_and_answers_with_the_previous_one()
    {
        (await EchoAsync("/api/alpha/items")).Upstream.Should().Be("blue");

        var answer = await SwitchAsync("alpha", green.BaseAddress);

        answer.GetProperty("previous").GetString().Should().Be(blue.BaseAddress.ToString());
        answer.GetProperty("upstream").GetString().Should().Be(green.BaseAddress.ToString());
        (await EchoAsync("/api/alpha/items")).Should().Be(new EchoBody("green", "/items", "GET", "/api/alpha"));
        (await UpstreamOfAsync("alpha")).Should().Be(green.BaseAddress.ToString());
        (await EchoAsync("/api/beta/x")).Upstream.Should().Be("beta", "a switch moves only its own service");
    }

    [Fact]
    public async Task The_internal_route_reaches_the_service_without_the_public_prefix_and_follows_a_switch()
    {
        (await EchoAsync("/_internal/alpha/compute?x=1")).Should().Be(new EchoBody("blue", "/compute", "GET", ""));

        await SwitchAsync("alpha", green.BaseAddress);

        (await EchoAsync("/_internal/alpha/compute")).Upstream.Should().Be("green");
    }

    [Fact]
    public async Task A_request_in_flight_on_the_old_upstream_finishes_there_and_the_traffic_counts_show_it_draining()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var slow = await LocalServer.StartUpstreamAsync(app => app.MapGet("/slow", async () =>
        {
            started.SetResult();
            await release.Task;
            return Results.Text("slow done");
        }));
        await SwitchAsync("alpha", slow.BaseAddress);

        var inFlight = api.GetStringAsync("/api/alpha/slow");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await SwitchAsync("alpha", green.BaseAddress);
        (await EchoAsync("/api/alpha/after")).Upstream.Should().Be("green");
        (await TrafficAsync(slow.BaseAddress)).InFlight.Should().Be(1, "the slow request is still on the old upstream");
        release.SetResult();

        (await inFlight).Should().Be("slow done");
        var drained = await TrafficAsync(slow.BaseAddress);
        drained.InFlight.Should().Be(0);
        drained.Requests.Should().Be(1);
    }

    [Fact]
    public async Task Requests_under_load_never_fail_while_the_upstream_switches_back_and_forth()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var failures = 0;
        var answered = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var switching = true;
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            using var http = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
            http.DefaultRequestHeaders.Authorization = api.DefaultRequestHeaders.Authorization;
            for (var i = 0; i < 2_500 && Volatile.Read(ref switching) && !stop.IsCancellationRequested; i++)
            {
                try
                {
                    using var response = await http.GetAsync("/api/alpha/load");
                    if (response.StatusCode != HttpStatusCode.OK)
                        Interlocked.Increment(ref failures);
                    else
                        answered.AddOrUpdate((await response.Content.ReadFromJsonAsync<EchoBody>())!.Upstream, 1, (_, n) => n + 1);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToList();

        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(50);
            await SwitchAsync("alpha", i % 2 == 0 ? green.BaseAddress : blue.BaseAddress);
        }
        Volatile.Write(ref switching, false);
        await Task.WhenAll(clients);

        failures.Should().Be(0);
        answered.Keys.Should().BeEquivalentTo("blue", "green");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    [InlineData("")]
    public async Task The_admin_endpoint_refuses_a_request_without_the_token_and_the_route_stays(string? token)
    {
        using var switchResponse = await client.SendAsync(SwitchRequest("alpha", green.BaseAddress, token));
        using var read = new HttpRequestMessage(HttpMethod.Get, GatewayAdmin.RoutesPath);
        if (token is not null)
            read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var readResponse = await client.SendAsync(read);

        switchResponse.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        switchResponse.Headers.WwwAuthenticate.Should().ContainSingle(h => h.Scheme == "Bearer");
        readResponse.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await UpstreamOfAsync("alpha")).Should().Be(blue.BaseAddress.ToString());
        (await EchoAsync("/api/alpha")).Upstream.Should().Be("blue");
    }

    [Fact]
    public async Task A_gateway_started_without_a_token_has_no_admin_endpoint()
    {
        await using var plain = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri> { ["alpha"] = blue.BaseAddress });
        using var http = await TestIssuer.AuthorizedClientAsync(plain.BaseAddress);

        using var response = await http.SendAsync(SwitchRequest("alpha", green.BaseAddress));

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await http.GetFromJsonAsync<EchoBody>("/api/alpha"))!.Upstream.Should().Be("blue");
    }

    [Fact]
    public async Task The_admin_endpoint_is_not_reachable_under_a_service_route_even_with_the_token()
    {
        var underInternal = SwitchRequest("alpha", green.BaseAddress);
        underInternal.RequestUri = new Uri("/_internal/alpha/_gateway/routes/alpha", UriKind.Relative);
        var underPublic = SwitchRequest("alpha", green.BaseAddress);
        underPublic.RequestUri = new Uri("/api/alpha/_gateway/routes/alpha", UriKind.Relative);

        using var internalResponse = await client.SendAsync(underInternal);
        using var publicResponse = await client.SendAsync(underPublic);
        var echo = (await internalResponse.Content.ReadFromJsonAsync<EchoBody>())!;

        echo.Should().Be(new EchoBody("blue", "/_gateway/routes/alpha", "PUT", ""), "the request belongs to the service, not the gateway");
        publicResponse.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "under a public prefix the admin token is just a bad API token");
        (await UpstreamOfAsync("alpha")).Should().Be(blue.BaseAddress.ToString());
    }

    [Theory]
    [InlineData("http://10.0.0.8:8000")]
    [InlineData("http://example.com:8000")]
    [InlineData("https://127.0.0.1:8000")]
    [InlineData("http://127.0.0.1:8000/other")]
    [InlineData("not a url")]
    public async Task Only_a_loopback_http_upstream_is_accepted(string upstream)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{GatewayAdmin.RoutesPath}/alpha")
        {
            Content = JsonContent.Create(new { upstream }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        using var response = await client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await UpstreamOfAsync("alpha")).Should().Be(blue.BaseAddress.ToString());
    }

    [Fact]
    public async Task A_switch_for_an_unknown_service_is_refused_with_the_routes()
    {
        using var response = await client.SendAsync(SwitchRequest("gamma", green.BaseAddress));

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).Should().Contain("gamma").And.Contain("alpha, beta");
    }

    [Fact]
    public void A_client_that_is_not_on_the_loopback_interface_is_refused_even_with_the_token()
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse("192.168.1.20");
        context.Request.Headers.Authorization = "Bearer " + Token;
        var expected = System.Text.Encoding.UTF8.GetBytes(Token);

        var refusal = GatewayAdmin.Refusal(context, expected);

        refusal.Should().BeAssignableTo<IStatusCodeHttpResult>().Which.StatusCode.Should().Be(StatusCodes.Status403Forbidden);
        context.Connection.RemoteIpAddress = IPAddress.Parse("::ffff:127.0.0.1");
        GatewayAdmin.Refusal(context, expected).Should().BeNull();
    }

    [Fact]
    public async Task The_routes_endpoint_lists_each_upstream_with_its_requests_in_flight_and_idle_time()
    {
        await EchoAsync("/api/alpha/one");
        await EchoAsync("/api/alpha/two");

        using var read = new HttpRequestMessage(HttpMethod.Get, GatewayAdmin.RoutesPath);
        read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await client.SendAsync(read);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        body.GetProperty("routes").EnumerateArray().Select(r => (r.GetProperty("service").GetString(), r.GetProperty("internal").GetString()))
            .Should().Equal(("alpha", "/_internal/alpha"), ("beta", "/_internal/beta"));
        var blueTraffic = await TrafficAsync(blue.BaseAddress);
        blueTraffic.Requests.Should().Be(2);
        blueTraffic.InFlight.Should().Be(0);
        blueTraffic.IdleMilliseconds.Should().BeGreaterThanOrEqualTo(0);
    }

    sealed record Traffic(string Address, int InFlight, long Requests, long IdleMilliseconds);

    async Task<Traffic> TrafficAsync(Uri upstream)
    {
        using var read = new HttpRequestMessage(HttpMethod.Get, GatewayAdmin.RoutesPath);
        read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await client.SendAsync(read);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return body.GetProperty("upstreams").EnumerateArray()
            .Select(u => new Traffic(u.GetProperty("address").GetString()!, u.GetProperty("inFlight").GetInt32(),
                u.GetProperty("requests").GetInt64(), u.GetProperty("idleMilliseconds").GetInt64()))
            .Single(t => t.Address == upstream.ToString());
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        api.Dispose();
        await gateway.DisposeAsync();
        await blue.DisposeAsync();
        await green.DisposeAsync();
        await beta.DisposeAsync();
        services.Dispose();
    }
}
