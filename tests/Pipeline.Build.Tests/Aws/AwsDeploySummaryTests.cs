using System.Text.Json;
using Pipeline.Build.Aws;
using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Aws;

/// <summary>
/// The lines a Deploy on AWS ends with: the services' URLs, the machine route, and for an MCP endpoint the configuration of
/// the common MCP clients with the URL and the interactive Cognito client's id (Cognito has no dynamic registration), plus
/// how an admin creates the first user.
/// </summary>
public sealed class AwsDeploySummaryTests
{
    static readonly ServiceManifest Api = new() { Name = "fastapi", Port = 8000, RoutePrefix = "/api/fastapi" };
    static readonly ServiceManifest Mcp = new() { Name = "mcp", Port = 3000, RoutePrefix = "/api/mcp", ResourceMetadataPath = "/.well-known/oauth-protected-resource" };
    const string Endpoint = "https://abc123.execute-api.eu-west-1.amazonaws.com";
    const string McpUrl = Endpoint + "/api/mcp/mcp";
    const string ClientId = "4example0interactive0client";
    const string Pool = "eu-west-1_AbCdEf123";

    static AwsSummaryFacts Facts => new("dev", "eu-west-1", Endpoint, [Api, Mcp],
        new Dictionary<string, Uri> { ["mcp"] = new(McpUrl) }, null, null, Pool, ClientId, "artifacts/deploy-record.dev.json");

    [Fact]
    public void With_its_own_cognito_issuer_each_client_is_configured_with_the_url_and_the_interactive_client_id()
    {
        var lines = AwsDeploySummary.Compose(Facts);
        var text = string.Join("\n", lines);

        lines.Should().StartWith(["Deployed environment dev (eu-west-1).", $"  fastapi    {Endpoint}/api/fastapi", $"  mcp        {Endpoint}/api/mcp"]);
        text.Should().Contain($"MCP endpoint of mcp: {McpUrl}. MCP clients sign in through Cognito's managed login as the public client {ClientId}")
            .And.Contain($$$$"""VS Code (.vscode/mcp.json): {"servers":{"mcp":{"type":"http","url":"{{{{McpUrl}}}}"}}}; when it asks for a client id, give {{{{ClientId}}}}""")
            .And.Contain($"Claude Code: claude mcp add --transport http --client-id {ClientId} --callback-port 33419 mcp {McpUrl}")
            .And.Contain("Cursor (.cursor/mcp.json): {\"mcpServers\":{\"mcp\":{\"url\":\"" + McpUrl + "\",\"auth\":{\"CLIENT_ID\":\"" + ClientId + "\"}}}}")
            .And.Contain($"OAuth Client ID {ClientId}")
            .And.Contain($"MCP Inspector: npx @modelcontextprotocol/inspector, transport Streamable HTTP, URL {McpUrl}, authentication: client id {ClientId}");
        text.Should().Contain("access token with the service's scope, apigw-dev/<service>")
            .And.Contain("Machines (client credentials): TOKEN=$(./build.sh Token --profile <this profile> | tail -1)");
        text.Should().NotContain("secret:", "the interactive client is public");
    }

    [Fact]
    public void The_admin_is_told_how_to_create_the_first_user()
    {
        AwsDeploySummary.Compose(Facts).Should().ContainSingle(l => l.Contains("admin-create-user", StringComparison.Ordinal))
            .Which.Should().Contain($"aws cognito-idp admin-create-user --user-pool-id {Pool} --username <email>")
            .And.Contain("Name=email_verified,Value=true");
    }

    [Fact]
    public void The_cursor_snippet_is_valid_json_with_the_static_client()
    {
        var line = AwsDeploySummary.Compose(Facts).Single(l => l.Contains("Cursor (.cursor/mcp.json): ", StringComparison.Ordinal));
        var server = JsonDocument.Parse(line[(line.IndexOf("): ", StringComparison.Ordinal) + 3)..]).RootElement.GetProperty("mcpServers").GetProperty("mcp");
        server.GetProperty("url").GetString().Should().Be(McpUrl);
        server.GetProperty("auth").GetProperty("CLIENT_ID").GetString().Should().Be(ClientId);
    }

    [Fact]
    public void With_an_external_issuer_the_clients_are_sent_to_that_provider_and_no_cognito_command_is_printed()
    {
        var text = string.Join("\n", AwsDeploySummary.Compose(Facts with
        {
            JwtIssuer = "https://login.example.com/tenant/v2.0",
            JwtAudience = "api://apigw-dev",
            UserPoolId = "none",
            InteractiveClientId = "none",
        }));

        text.Should().Contain($"MCP endpoint of mcp: {McpUrl}. MCP clients sign in at https://login.example.com/tenant/v2.0")
            .And.Contain("scope apigw-dev/mcp")
            .And.Contain("access token of https://login.example.com/tenant/v2.0 for audience api://apigw-dev");
        text.Should().NotContain("admin-create-user").And.NotContain("./build.sh Token");
    }

    [Fact]
    public void The_dashboard_of_the_shared_stacks_output_is_linked_in_the_console_of_the_region()
    {
        AwsDeploySummary.Compose(Facts with { DashboardName = "apigw-dev" }).Should().ContainSingle(l => l.StartsWith("Dashboard: ", StringComparison.Ordinal))
            .Which.Should().Be("Dashboard: https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/apigw-dev");
        AwsDeploySummary.Compose(Facts with { Environment = "prod", DashboardName = "team-prod" })
            .Should().Contain("Dashboard: https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/team-prod");
    }

    [Fact]
    public void Without_the_output_the_dashboard_is_the_environments_by_its_fixed_name()
    {
        AwsDeploySummary.Compose(Facts with { Environment = "staging2", DashboardName = null })
            .Should().Contain($"Dashboard: https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/{DeploymentNames.Dashboard("staging2")}")
            .And.Contain(l => l.EndsWith("#dashboards/dashboard/apigw-staging2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("cn-north-1", "https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#dashboards/dashboard/apigw-dev")]
    [InlineData("us-gov-west-1", "https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#dashboards/dashboard/apigw-dev")]
    [InlineData("us-east-1", "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/apigw-dev")]
    public void The_dashboard_link_opens_the_console_of_the_regions_partition(string region, string url) =>
        AwsDeploySummary.DashboardUrl(region, "apigw-dev").Should().Be(url);

    [Fact]
    public void A_missing_client_id_says_where_it_should_have_come_from()
    {
        var text = string.Join("\n", AwsDeploySummary.Compose(Facts with { InteractiveClientId = null }));
        text.Should().Contain($"output {DeploymentNames.InteractiveClientIdOutput} of apigw-dev-shared").And.NotContain("claude mcp add");
    }
}
