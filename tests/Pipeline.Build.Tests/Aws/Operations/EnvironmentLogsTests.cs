using Pipeline.Build.Aws.Operations;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Aws.Operations;

/// <summary>
/// The Logs Insights side of <c>Logs --request-id</c> on AWS: the query string (one filter on the request id, quoted so it
/// cannot end the literal) and how each result row becomes a line (source, time).
/// </summary>
public sealed class EnvironmentLogsTests
{
    static readonly IReadOnlyList<LogSource> Sources =
    [
        new("apigw-dev-shared-AccessLogs", "gateway", IsGateway: true),
        new("apigw-dev-fastapi-Logs", "fastapi", IsGateway: false),
        new("apigw-dev-mcp-Logs", "mcp", IsGateway: false),
    ];

    [Fact]
    public void The_query_selects_the_lines_whose_request_id_field_is_the_id_oldest_first_up_to_the_limit()
    {
        EnvironmentLogs.InsightsQuery("JKJaXmPLvHcESHA=").Should().Be(
            "fields @timestamp, @log, @logStream, @message\n" +
            "| filter request_id = \"JKJaXmPLvHcESHA=\"\n" +
            "| sort @timestamp asc\n" +
            "| limit 10000");
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a\"b", "\"a\\\"b\"")]
    [InlineData("a\\b", "\"a\\\\b\"")]
    [InlineData("end\\\"", "\"end\\\\\\\"\"")]
    public void A_string_literal_escapes_each_backslash_and_double_quote_so_the_value_never_ends_it(string value, string literal) =>
        EnvironmentLogs.QuotedString(value).Should().Be(literal);

    [Theory]
    [InlineData("x\" | display @message | filter \"1")]
    [InlineData("")]
    [InlineData("with space")]
    public void An_id_that_is_not_a_request_id_never_reaches_a_query(string id) =>
        FluentActions.Invoking(() => EnvironmentLogs.InsightsQuery(id)).Should().Throw<PipelineException>().WithMessage("*is not a request id*");

    [Fact]
    public void A_row_of_the_access_log_is_the_gateways_line_at_the_time_the_line_gives()
    {
        var line = EnvironmentLogs.LineOf(new Dictionary<string, string>
        {
            ["@timestamp"] = "2026-12-07 01:02:04.000",
            ["@log"] = "123456789012:apigw-dev-shared-AccessLogs",
            ["@logStream"] = "0f1e2d3c",
            ["@message"] = """{"time":"2026-12-07T01:02:03.456Z","service":"gateway","request_id":"JKJaXmPLvHcESHA=","status":"200"}""",
            ["@ptr"] = "CmAKJw",
        }, Sources);

        line.Source.Should().Be("gateway");
        line.Time.Should().Be(new DateTimeOffset(2026, 12, 7, 1, 2, 3, 456, TimeSpan.Zero), "the line's own time, not when CloudWatch Logs received it");
        line.RequestId.Should().Be("JKJaXmPLvHcESHA=");
    }

    [Fact]
    public void A_row_of_a_services_group_names_the_service_and_its_task_and_a_line_without_time_takes_the_timestamp_as_utc()
    {
        var line = EnvironmentLogs.LineOf(new Dictionary<string, string>
        {
            ["@timestamp"] = "2026-12-07 01:02:04.125",
            ["@log"] = "123456789012:apigw-dev-mcp-Logs",
            ["@logStream"] = "mcp/mcp/3f2a9c1b0d4e4f5a8b6c7d8e9f0a1b2c",
            ["@message"] = "plain text from a library",
        }, Sources);

        line.Source.Should().Be("mcp/3f2a9c1b");
        line.Time.Should().Be(new DateTimeOffset(2026, 12, 7, 1, 2, 4, 125, TimeSpan.Zero));
        line.Message.Should().Be("plain text from a library");
        line.Fields.Should().BeNull();
    }
}
