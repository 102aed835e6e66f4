using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Pipeline.Gateway.Tests;

public sealed class GatewayRoutingTests : IAsyncLifetime
{
    readonly ServicesFolder services = new("alpha", "beta");
    LocalServer alpha = null!;
    LocalServer beta = null!;
    LocalServer gateway = null!;
    HttpClient client = null!;
    string token = null!;

    public async Task InitializeAsync()
    {
        alpha = await LocalServer.StartUpstreamAsync(app => app.Map("{**any}", (HttpContext c) => Results.Json(Echo("alpha", c))));
        beta = await LocalServer.StartUpstreamAsync(app => app.Map("{**any}", (HttpContext c) => Results.Json(Echo("beta", c))));
        gateway = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri>
        {
            ["alpha"] = alpha.BaseAddress,
            ["beta"] = beta.BaseAddress,
        });
        client = await TestIssuer.AuthorizedClientAsync(gateway.BaseAddress);
        token = client.DefaultRequestHeaders.Authorization!.Parameter!;
    }

    static object Echo(string service, HttpContext context) => new
    {
        service,
        path = context.Request.Path.Value,
        query = context.Request.QueryString.Value,
        headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
    };

    sealed record EchoBody(string Service, string Path, string Query, Dictionary<string, string> Headers);

    async Task<EchoBody> GetEcho(string path)
    {
        var response = await client.GetAsync(path);
        response.StatusCode.Should().Be(HttpStatusCode.OK, $"{path} should be routed");
        return (await response.Content.ReadFromJsonAsync<EchoBody>())!;
    }

    [Theory]
    [InlineData("/api/alpha", "alpha", "/")]
    [InlineData("/api/alpha/", "alpha", "/")]
    [InlineData("/api/alpha/items/7", "alpha", "/items/7")]
    [InlineData("/api/beta/docs", "beta", "/docs")]
    [InlineData("/api/beta/a/b/c.json", "beta", "/a/b/c.json")]
    public async Task A_request_under_a_service_prefix_reaches_that_service_with_the_prefix_stripped(string path, string service, string upstreamPath)
    {
        var echo = await GetEcho(path);

        echo.Service.Should().Be(service);
        echo.Path.Should().Be(upstreamPath);
    }

    [Fact]
    public async Task The_query_string_is_kept()
    {
        var echo = await GetEcho("/api/alpha/search?q=a%20b&page=2");

        echo.Path.Should().Be("/search");
        echo.Query.Should().Be("?q=a%20b&page=2");
    }

    [Fact]
    public async Task Request_headers_pass_through_and_forwarded_headers_describe_the_original_request()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/beta/whoami");
        request.Headers.Add("X-Client-Hint", "abc-123");
        request.Headers.Add("X-Request-Id", "forged");

        var response = await client.SendAsync(request);
        var echo = (await response.Content.ReadFromJsonAsync<EchoBody>())!;
        var headers = new Dictionary<string, string>(echo.Headers, StringComparer.OrdinalIgnoreCase);

        headers["X-Client-Hint"].Should().Be("abc-123");
        headers["X-Request-Id"].Should().Be(response.Headers.GetValues("apigw-requestid").Single(), "the gateway's request id overwrites the caller's, as on AWS");
        headers["Authorization"].Should().Be($"Bearer {token}", "the service checks the token again (defence in depth)");
        headers["X-Forwarded-Prefix"].Should().Be("/api/beta");
        headers["X-Forwarded-Proto"].Should().Be("http");
        headers["X-Forwarded-Host"].Should().Be(gateway.BaseAddress.Authority);
        headers["X-Forwarded-For"].Should().Be("127.0.0.1");
    }

    [Fact]
    public async Task Response_status_and_headers_from_the_service_reach_the_client()
    {
        await using var teapot = await LocalServer.StartUpstreamAsync(app => app.MapPost("/brew", (HttpContext c) =>
        {
            c.Response.Headers["X-Brewed-By"] = "teapot";
            return Results.StatusCode(418);
        }));
        await using var proxied = await LocalServer.StartGatewayAsync(services.Path, new Dictionary<string, Uri> { ["alpha"] = teapot.BaseAddress });

        using var http = await TestIssuer.AuthorizedClientAsync(proxied.BaseAddress);
        var response = await http.PostAsync("/api/alpha/brew", new StringContent("{}"));

        ((int)response.StatusCode).Should().Be(418);
        response.Headers.GetValues("X-Brewed-By").Should().Equal("teapot");
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/api")]
    [InlineData("/api/alphax")]
    [InlineData("/api/gamma/health")]
    [InlineData("/static/app.js")]
    public async Task An_unknown_route_gets_a_json_404_listing_the_routes(string path)
    {
        var response = await client.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("error").GetString().Should().Be("no route");
        body.GetProperty("path").GetString().Should().Be(path);
        body.GetProperty("routes").EnumerateArray().Select(r => r.GetString()).Should().Equal("/api/alpha", "/api/beta");
    }

    [Fact]
    public async Task The_gateway_health_endpoint_lists_every_route_and_its_upstream()
    {
        var response = await client.GetAsync(GatewayApp.HealthPath);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var routes = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("routes");
        routes.EnumerateArray().Select(r => (r.GetProperty("prefix").GetString(), r.GetProperty("upstream").GetString()))
            .Should().Equal(("/api/alpha", alpha.BaseAddress.ToString()), ("/api/beta", beta.BaseAddress.ToString()));
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await gateway.DisposeAsync();
        await alpha.DisposeAsync();
        await beta.DisposeAsync();
        services.Dispose();
    }
}
