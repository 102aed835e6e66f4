using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Mcp.Server.Tests;

/// <summary>
/// The request body limit (1 MB unless MAX_REQUEST_BODY_BYTES says otherwise): a larger body gets 413 with a JSON reason
/// before the server reads it, whether its length is declared or it comes chunked.
/// </summary>
// Starts the server in this process for each test: CI runs it, not the inner loop (./build.sh Dev) after every save.
[Trait("Category", "Integration")]
public sealed class RequestBodyLimitTests : IAsyncLifetime
{
    private const int OneMegabyte = 1024 * 1024;

    private readonly HttpClient _http = new();
    private RunningMcpServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningMcpServer.StartAsync(fastApiBaseUrl: null);

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Two_megabytes_with_a_content_length_get_413_with_a_json_reason_before_the_token_is_looked_at()
    {
        using var request = McpPost(new ByteArrayContent(new byte[2 * OneMegabyte]), token: null);

        using var response = await _http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("error").GetString().Should().Be("request_too_large");
        body.GetProperty("message").GetString().Should().Contain($"at most {OneMegabyte} bytes").And.Contain("MAX_REQUEST_BODY_BYTES").And.Contain($"{2 * OneMegabyte} bytes");
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_cut_and_answered_413_with_a_json_reason()
    {
        // A stream of unknown length: the client sends it chunked, and only counting tells its size.
        using var content = new StreamContent(new MemoryStream(JsonRpcPaddedTo(2 * OneMegabyte)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = McpPost(content, _server.Issuer.MintToken());
        request.Headers.TransferEncodingChunked = true;

        using var response = await _http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("error").GetString().Should().Be("request_too_large");
        body.GetProperty("message").GetString().Should().Contain($"at most {OneMegabyte} bytes");
    }

    [Fact]
    public async Task A_body_under_the_limit_reaches_the_mcp_endpoint()
    {
        using var content = new ByteArrayContent(JsonRpcPaddedTo(OneMegabyte - 1024));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await _http.SendAsync(McpPost(content, _server.Issuer.MintToken()));

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Max_request_body_bytes_sets_the_limit()
    {
        await using var server = await RunningMcpServer.StartAsync(null, settingsOverrides: new Dictionary<string, string?>
        {
            ["MAX_REQUEST_BODY_BYTES"] = "4096",
        });
        using var small = new ByteArrayContent(JsonRpcPaddedTo(4000));
        small.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var large = new ByteArrayContent(JsonRpcPaddedTo(5000));
        large.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var accepted = await _http.SendAsync(McpPost(server.McpEndpoint, small, server.Issuer.MintToken()));
        using var refused = await _http.SendAsync(McpPost(server.McpEndpoint, large, server.Issuer.MintToken()));

        accepted.StatusCode.Should().Be(HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync());
        refused.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString().Should().Contain("at most 4096 bytes");
    }

    /// <summary>A JSON-RPC initialize request whose client name pads it to <paramref name="size"/> bytes: valid JSON of a known size.</summary>
    private static byte[] JsonRpcPaddedTo(int size)
    {
        const string head = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"version\":\"1\",\"name\":\"";
        const string tail = "\"}}}";
        return Encoding.UTF8.GetBytes(head + new string('x', size - head.Length - tail.Length) + tail);
    }

    private HttpRequestMessage McpPost(HttpContent content, string? token) => McpPost(_server.McpEndpoint, content, token);

    private static HttpRequestMessage McpPost(Uri endpoint, HttpContent content, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = content };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }
}
