using System.Text.Json.Nodes;
using Pipeline.Build.Deployment;

namespace Pipeline.Build.Tests.Deployment;

public sealed class LogLinesTests
{
    static readonly DateTimeOffset Received = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    const string GatewayLine = """{"time":"2026-12-07T01:02:03.456Z","level":"info","service":"gateway","event":"request","request_id":"JKJaXmPLvHcESHA=","method":"POST","route":"ANY /api/mcp/{proxy+}","path":"/api/mcp/mcp","status":200,"duration_ms":12.5,"integration_status":200,"source_ip":"127.0.0.1"}""";

    [Fact]
    public void A_json_line_gives_its_request_id_and_own_time()
    {
        var line = new LogLine(Received, "gateway", GatewayLine);

        line.RequestId.Should().Be("JKJaXmPLvHcESHA=");
        LogLine.TimeOf(line.Fields, Received).Should().Be(new DateTimeOffset(2026, 12, 7, 1, 2, 3, 456, TimeSpan.Zero));
    }

    [Fact]
    public void A_line_that_is_not_one_json_object_is_kept_as_text_and_keeps_the_time_it_was_received()
    {
        foreach (var text in new[] { "INFO: started", "[1, 2]", "{ not json" })
        {
            var line = new LogLine(Received, "fastapi", text);
            line.Fields.Should().BeNull();
            line.RequestId.Should().BeNull();
            LogLine.TimeOf(line.Fields, Received).Should().Be(Received);
        }
    }

    [Fact]
    public void As_text_a_request_line_reads_level_id_method_route_status_and_duration_then_the_other_fields()
    {
        var text = LogLineOutput.AsText(new LogLine(Received, "gateway", GatewayLine));

        text.Should().EndWith("gateway    info JKJaXmPLvHcESHA= POST ANY /api/mcp/{proxy+} 200 12.5 ms integration_status=200");
    }

    [Fact]
    public void As_text_another_line_shows_its_event_and_message()
    {
        var line = """{"time":"2026-12-07T01:02:03.456Z","level":"warning","service":"mcp","event":"started","message":"listening","logger":"Mcp","port":3000}""";

        LogLineOutput.AsText(new LogLine(Received, "mcp", line)).Should().EndWith("mcp        warning started: listening port=3000");
    }

    [Fact]
    public void As_json_a_line_keeps_its_fields_and_gains_a_timestamp_and_its_source()
    {
        var text = LogLineOutput.AsJson(new LogLine(Received, "gateway", GatewayLine));
        var json = (JsonObject)JsonNode.Parse(text)!;

        text.Should().Contain("\"ANY /api/mcp/{proxy+}\"", "a route key reads as it is written");

        json["timestamp"]!.GetValue<string>().Should().Be("2026-12-07T01:00:00.000Z");
        json["source"]!.GetValue<string>().Should().Be("gateway");
        json["route"]!.GetValue<string>().Should().Be("ANY /api/mcp/{proxy+}");
        json["status"]!.GetValue<int>().Should().Be(200);

        var plain = (JsonObject)JsonNode.Parse(LogLineOutput.AsJson(new LogLine(Received, "fastapi-next", "plain text")))!;
        plain["message"]!.GetValue<string>().Should().Be("plain text");
        plain["source"]!.GetValue<string>().Should().Be("fastapi-next");
    }

    [Fact]
    public void Lines_of_one_time_keep_the_order_of_their_source()
    {
        var lines = new[]
        {
            new LogLine(Received.AddSeconds(1), "mcp", "b"),
            new LogLine(Received, "gateway", "a"),
            new LogLine(Received.AddSeconds(1), "mcp", "c"),
        };

        LogLineOutput.InTimeOrder(lines).Select(l => l.Message).Should().Equal("a", "b", "c");
    }

    [Theory]
    [InlineData("JKJaXmPLvHcESHA=", true)]
    [InlineData("0f8fad5b-d9cb-469f-a165-70867728950e", true)]
    [InlineData("", false)]
    [InlineData("a\"b", false)]
    [InlineData("a b", false)]
    [InlineData("a|filter", false)]
    public void A_request_id_is_letters_digits_and_a_few_signs(string id, bool wellFormed) =>
        Pipeline.Manifests.RequestIds.IsWellFormed(id).Should().Be(wellFormed);

    [Fact]
    public void A_new_request_id_has_api_gateways_shape() =>
        Pipeline.Manifests.RequestIds.New().Should().MatchRegex("^[A-Za-z0-9+/]{15}=$");
}
