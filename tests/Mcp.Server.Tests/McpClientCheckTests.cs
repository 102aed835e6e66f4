using System.Text.RegularExpressions;

namespace Mcp.Server.Tests;

/// <summary>The official TypeScript MCP client, given a token, lists and calls every tool of the running server.</summary>
// Drives a Node MCP client against the server: CI runs it, not the inner loop (./build.sh Dev) after every save.
[Trait("Category", "Integration")]
public sealed class McpClientCheckTests : IAsyncLifetime
{
    private static readonly string[] Tools = ["compute_statistics", "analyze_text", "hash_text", "convert_temperature"];

    private FakeFastApi _fastApi = null!;
    private RunningMcpServer _server = null!;

    public async Task InitializeAsync()
    {
        _fastApi = await FakeFastApi.StartAsync();
        _server = await RunningMcpServer.StartAsync(_fastApi.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _fastApi.DisposeAsync();
    }

    [NodeToolsFact]
    public async Task The_typescript_client_with_a_token_calls_every_tool_and_the_token_stays_out_of_fastapi()
    {
        var token = _server.Issuer.MintToken();

        var (exitCode, output) = await McpClientCheck.RunAsync(_server.McpEndpoint, token);

        exitCode.Should().Be(0, output);
        foreach (var tool in Tools)
        {
            output.Should().MatchRegex($@"(?m)^ok\s+{tool}\s", $"{tool} must be called and answer without error");
        }

        output.Should().Contain("4 of 4 tools answered without error");
        _fastApi.ReceivedPaths.Should().BeEquivalentTo("/compute/statistics", "/text/analyze");
        _fastApi.ReceivedHeaders.Should().AllSatisfy(headers => headers.Keys.Should().NotContain("Authorization"));
    }

    [NodeToolsFact]
    public async Task The_token_can_come_from_mcp_token_and_a_cognito_style_token_works()
    {
        var (exitCode, output) = await McpClientCheck.RunAsync(
            _server.McpEndpoint, token: null, new Dictionary<string, string> { ["MCP_TOKEN"] = _server.Issuer.MintCognitoStyleToken() });

        exitCode.Should().Be(0, output);
        Regex.Matches(output, @"(?m)^ok\s").Should().HaveCount(Tools.Length, output);
    }

    [NodeToolsFact]
    public async Task An_expired_token_makes_the_check_fail_without_calling_a_tool()
    {
        var (exitCode, output) = await McpClientCheck.RunAsync(_server.McpEndpoint, _server.Issuer.MintToken(expires: DateTime.UtcNow.AddHours(-1)));

        exitCode.Should().Be(1, output);
        output.Should().Contain("cannot connect").And.NotMatchRegex(@"(?m)^ok\s");
        _fastApi.ReceivedPaths.Should().BeEmpty();
    }

    [NodeToolsFact]
    public async Task A_failing_tool_makes_the_check_exit_1_and_names_that_tool()
    {
        await using var server = await RunningMcpServer.StartAsync(fastApiBaseUrl: null);

        var (exitCode, output) = await McpClientCheck.RunAsync(server.McpEndpoint, server.Issuer.MintToken());

        exitCode.Should().Be(1, output);
        output.Should().MatchRegex(@"(?m)^FAIL\s+compute_statistics\s.*SERVICE_URL_FASTAPI")
            .And.MatchRegex(@"(?m)^ok\s+hash_text\s")
            .And.Contain("2 of 4 tools answered without error");
    }

    [NodeToolsFact]
    public async Task Without_a_token_the_check_refuses_to_run_and_says_how_to_give_one()
    {
        var (exitCode, output) = await McpClientCheck.RunAsync(_server.McpEndpoint, token: null);

        exitCode.Should().Be(2, output);
        output.Should().Contain("usage:").And.Contain("MCP_TOKEN");
    }
}
