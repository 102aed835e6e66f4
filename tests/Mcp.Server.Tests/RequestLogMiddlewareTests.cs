using System.Text;
using Mcp.Server.Logs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Primitives;

namespace Mcp.Server.Tests;

/// <summary>The request line's rules on a request that needs no server: the failures a running server rarely shows.</summary>
public sealed class RequestLogMiddlewareTests
{
    private readonly ServiceSettings _settings = new() { Version = "v1" };
    private readonly JsonLogLines _log;

    public RequestLogMiddlewareTests() => _log = new JsonLogLines(_settings);

    [Fact]
    public async Task An_unhandled_exception_is_answered_500_with_the_request_id_and_logged_by_its_type_alone()
    {
        var context = Request("POST", "/mcp", requestId: "boom-1");
        context.Request.QueryString = new QueryString("?token=secret-in-the-query");

        await Middleware(_ => throw new InvalidOperationException("secret-from-the-input")).InvokeAsync(context);

        context.Response.StatusCode.Should().Be(500);
        Body(context).Should().Contain("internal_error").And.Contain("boom-1");
        var line = _log.Lines.Should().ContainSingle().Subject;
        line.GetProperty("level").GetString().Should().Be("error");
        line.GetProperty("status").GetInt32().Should().Be(500);
        line.GetProperty("request_id").GetString().Should().Be("boom-1");
        line.GetProperty("path").GetString().Should().Be("/mcp");
        line.GetProperty("exception_type").GetString().Should().Be("System.InvalidOperationException");
        _log.Text.Should().NotContain("secret-from-the-input").And.NotContain("secret-in-the-query");
    }

    [Fact]
    public async Task A_request_id_sent_twice_is_replaced_by_a_new_one()
    {
        var context = Request("GET", "/");
        context.Request.Headers[RequestTrace.RequestIdHeader] = new StringValues(["first-id", "second-id"]);

        await Middleware(_ => Task.CompletedTask).InvokeAsync(context);

        var line = _log.Lines.Should().ContainSingle().Subject;
        line.GetProperty("request_id").GetString().Should().HaveLength(16);
        _log.Text.Should().NotContain("first-id").And.NotContain("second-id");
    }

    [Theory]
    [InlineData(200, 0)]
    [InlineData(204, 0)]
    [InlineData(503, 1)]
    [InlineData(405, 1)]
    public async Task Only_failing_health_checks_are_logged(int status, int lines)
    {
        var context = Request("GET", "/health");
        context.SetEndpoint(Endpoint("/health"));

        await Middleware(request =>
        {
            request.Response.StatusCode = status;
            return Task.CompletedTask;
        }).InvokeAsync(context);

        _log.Lines.Should().HaveCount(lines);
    }

    [Theory]
    [InlineData("/mcp/", "/mcp")]
    [InlineData("/compute/{name}", "/compute/{name}")]
    [InlineData("health", "/health")]
    [InlineData("/", "/")]
    public void The_route_is_the_endpoints_pattern_as_a_path(string pattern, string route)
    {
        RequestLogMiddleware.RouteOf(Endpoint(pattern)).Should().Be(route);
    }

    [Fact]
    public void A_request_no_endpoint_matched_has_no_route()
    {
        RequestLogMiddleware.RouteOf(null).Should().BeNull();
    }

    private RequestLogMiddleware Middleware(RequestDelegate next) => new(next, _settings, _log.For<RequestLogMiddleware>());

    private static DefaultHttpContext Request(string method, string path, string? requestId = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Response.Body = new MemoryStream();
        if (requestId is not null)
        {
            context.Request.Headers[RequestTrace.RequestIdHeader] = requestId;
        }

        return context;
    }

    private static RouteEndpoint Endpoint(string pattern) =>
        new(_ => Task.CompletedTask, RoutePatternFactory.Parse(pattern), order: 0, EndpointMetadataCollection.Empty, displayName: pattern);

    private static string Body(HttpContext context) => Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
}
