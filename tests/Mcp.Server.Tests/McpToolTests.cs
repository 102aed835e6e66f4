using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Mcp.Server.Tests;

// Starts the server in this process for each test: CI runs it, not the inner loop (./build.sh Dev) after every save.
[Trait("Category", "Integration")]
public sealed class McpToolTests : IAsyncLifetime
{
    private FakeFastApi _fastApi = null!;
    private RunningMcpServer _server = null!;
    private McpClient _client = null!;

    public async Task InitializeAsync()
    {
        _fastApi = await FakeFastApi.StartAsync();
        _server = await RunningMcpServer.StartAsync(_fastApi.BaseAddress);
        _client = await _server.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
        await _fastApi.DisposeAsync();
    }

    [Fact]
    public void Initialize_reports_the_server_name_version_and_tools_capability()
    {
        _client.ServerInfo!.Name.Should().Be("mcp");
        _client.ServerInfo.Version!.Should().Be(RunningMcpServer.Version);
        _client.ServerCapabilities.Should().NotBeNull();
        _client.ServerCapabilities!.Tools.Should().NotBeNull();
    }

    [Fact]
    public async Task Tool_list_offers_the_four_tools_each_with_a_described_input_schema()
    {
        var tools = await _client.ListToolsAsync();

        tools.Select(tool => tool.Name).Should().BeEquivalentTo("compute_statistics", "analyze_text", "hash_text", "convert_temperature");
        foreach (var tool in tools)
        {
            tool.Description.Should().NotBeNullOrWhiteSpace(because: $"{tool.Name} needs a description");
            var properties = tool.JsonSchema.GetProperty("properties").EnumerateObject().ToList();
            properties.Should().NotBeEmpty(because: $"{tool.Name} takes input");
            foreach (var property in properties)
            {
                property.Value.TryGetProperty("description", out _).Should().BeTrue(because: $"{tool.Name}.{property.Name} needs a description");
                property.Value.TryGetProperty("type", out _).Should().BeTrue(because: $"{tool.Name}.{property.Name} needs a type");
            }
        }

        var statistics = tools.Single(tool => tool.Name == "compute_statistics").JsonSchema;
        statistics.GetProperty("properties").GetProperty("values").GetProperty("type").GetString().Should().Be("array");
        statistics.GetProperty("required").EnumerateArray().Select(name => name.GetString()).Should().Contain("values");
    }

    [Fact]
    public async Task Compute_statistics_returns_the_summary_computed_by_the_fastapi_service()
    {
        var result = await _client.CallToolAsync("compute_statistics", new Dictionary<string, object?> { ["values"] = new[] { 4.0, 1.0, 3.0, 2.0 } });

        result.IsError.Should().NotBe(true, Text(result));
        var summary = result.StructuredContent!.Value;
        summary.GetProperty("count").GetInt32().Should().Be(4);
        summary.GetProperty("mean").GetDouble().Should().Be(2.5);
        summary.GetProperty("median").GetDouble().Should().Be(2.5);
        summary.GetProperty("computed_by").GetString().Should().Be(FakeFastApi.ComputedBy);
        // The output schema requires stdev; a null one (the fake's, or fastapi's for one value) must still be written.
        summary.GetProperty("stdev").ValueKind.Should().Be(JsonValueKind.Null);
        _fastApi.ReceivedPaths.Should().Equal("/compute/statistics");
    }

    [Fact]
    public async Task The_callers_token_never_reaches_the_fastapi_service()
    {
        var token = _server.Issuer.MintToken();
        await using var client = await _server.ConnectAsync(token: token);

        var statistics = await client.CallToolAsync("compute_statistics", new Dictionary<string, object?> { ["values"] = new[] { 1.0, 2.0 } });
        var analysis = await client.CallToolAsync("analyze_text", new Dictionary<string, object?> { ["text"] = "a b a" });

        statistics.IsError.Should().NotBe(true, Text(statistics));
        analysis.IsError.Should().NotBe(true, Text(analysis));
        _fastApi.ReceivedHeaders.Should().HaveCount(2);
        foreach (var headers in _fastApi.ReceivedHeaders)
        {
            headers.Keys.Should().NotContain("Authorization");
            headers.Values.Should().NotContain(value => value.Contains(token));
        }
    }

    [Fact]
    public async Task Compute_statistics_without_values_is_a_tool_error_and_never_reaches_fastapi()
    {
        var result = await _client.CallToolAsync("compute_statistics", new Dictionary<string, object?> { ["values"] = Array.Empty<double>() });

        result.IsError.Should().BeTrue();
        Text(result).Should().Contain("between 1 and 10000");
        _fastApi.ReceivedPaths.Should().BeEmpty();
    }

    [Fact]
    public async Task Analyze_text_returns_the_counts_computed_by_the_fastapi_service()
    {
        var result = await _client.CallToolAsync("analyze_text", new Dictionary<string, object?> { ["text"] = "b a b\nc b", ["top"] = 2 });

        result.IsError.Should().NotBe(true, Text(result));
        var analysis = result.StructuredContent!.Value;
        analysis.GetProperty("words").GetInt32().Should().Be(5);
        analysis.GetProperty("lines").GetInt32().Should().Be(2);
        analysis.GetProperty("top_words")[0].GetProperty("word").GetString().Should().Be("b");
        analysis.GetProperty("top_words")[0].GetProperty("count").GetInt32().Should().Be(3);
        analysis.GetProperty("top_words").GetArrayLength().Should().Be(2);
    }

    [Fact]
    public async Task Analyze_text_rejected_by_fastapi_is_a_tool_error_that_carries_the_reason()
    {
        var result = await _client.CallToolAsync("analyze_text", new Dictionary<string, object?> { ["text"] = "a", ["top"] = 0 });

        result.IsError.Should().BeTrue();
        Text(result).Should().Contain("rejected the input").And.Contain("greater than or equal to 1");
    }

    [Fact]
    public async Task Hash_text_returns_the_sha256_digest_by_default()
    {
        var result = await _client.CallToolAsync("hash_text", new Dictionary<string, object?> { ["text"] = "abc" });

        result.IsError.Should().NotBe(true, Text(result));
        Text(result).Should().Be("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    [Fact]
    public async Task Hash_text_with_an_unknown_algorithm_is_a_tool_error_listing_the_known_ones()
    {
        var result = await _client.CallToolAsync("hash_text", new Dictionary<string, object?> { ["text"] = "abc", ["algorithm"] = "crc32" });

        result.IsError.Should().BeTrue();
        Text(result).Should().Contain("'crc32'").And.Contain("sha256");
    }

    [Theory]
    [InlineData(100, "C", "F", 212)]
    [InlineData(32, "F", "C", 0)]
    [InlineData(0, "K", "C", -273.15)]
    public async Task Convert_temperature_converts_between_units(double value, string from, string to, double expected)
    {
        var result = await _client.CallToolAsync("convert_temperature", new Dictionary<string, object?> { ["value"] = value, ["from"] = from, ["to"] = to });

        result.IsError.Should().NotBe(true, Text(result));
        double.Parse(Text(result), System.Globalization.CultureInfo.InvariantCulture).Should().BeApproximately(expected, 1e-9);
    }

    [Theory]
    [InlineData(-300, "C", "K", "below absolute zero")]
    [InlineData(10, "X", "C", "Unknown temperature unit 'X'")]
    public async Task Convert_temperature_with_impossible_input_is_a_tool_error(double value, string from, string to, string reason)
    {
        var result = await _client.CallToolAsync("convert_temperature", new Dictionary<string, object?> { ["value"] = value, ["from"] = from, ["to"] = to });

        result.IsError.Should().BeTrue();
        Text(result).Should().Contain(reason);
    }

    [Fact]
    public async Task Calling_an_unknown_tool_fails_without_breaking_the_server()
    {
        var call = async () => await _client.CallToolAsync("no_such_tool", new Dictionary<string, object?>());

        await call.Should().ThrowAsync<ModelContextProtocol.McpException>();
        (await _client.ListToolsAsync()).Should().HaveCount(4);
    }

    private static string Text(CallToolResult result) =>
        string.Join("\n", result.Content.OfType<TextContentBlock>().Select(block => block.Text));
}
