using Pipeline.Build.Local;

namespace Pipeline.Build.Tests.Local;

public sealed class LocalLogsTests : IDisposable
{
    readonly string directory = Directory.CreateTempSubdirectory("local-logs-").FullName;

    string LogPath => Path.Combine(directory, "gateway.log");

    [Fact]
    public void An_engine_line_with_nanoseconds_gets_that_time_unless_the_line_has_its_own()
    {
        var (plainReceived, plain) = LocalLogs.Parse("fastapi", "2026-12-07T01:02:03.123456789Z INFO: started");
        plain.Time.Should().Be(new DateTimeOffset(2026, 12, 7, 1, 2, 3, TimeSpan.Zero).AddTicks(1234567));
        plainReceived.Should().Be(plain.Time);
        plain.Message.Should().Be("INFO: started");

        var (jsonReceived, json) = LocalLogs.Parse("mcp", """2026-12-07T01:02:04.000000001Z {"time":"2026-12-07T01:02:03.999Z","request_id":"x"}""");
        json.Time.Should().Be(new DateTimeOffset(2026, 12, 7, 1, 2, 3, 999, TimeSpan.Zero));
        jsonReceived.Should().Be(new DateTimeOffset(2026, 12, 7, 1, 2, 4, TimeSpan.Zero), "follow reads on from the engine's time, not the line's own");
        json.RequestId.Should().Be("x");
    }

    [Fact]
    public void The_gateway_log_is_read_from_where_the_last_read_ended_and_a_line_without_its_newline_waits()
    {
        File.WriteAllText(LogPath, """
            {"time":"2026-12-07T01:00:00.000Z","request_id":"a"}
            not json, takes the time before it

            """.Replace("\r\n", "\n"));
        var file = new GatewayLogFile(LogPath);

        var first = file.ReadNew(null);
        first.Select(l => l.Message).Should().Equal("""{"time":"2026-12-07T01:00:00.000Z","request_id":"a"}""", "not json, takes the time before it");
        first[1].Time.Should().Be(first[0].Time);

        File.AppendAllText(LogPath, "{\"time\":\"2026-12-07T01:00:01.000Z\",\"request_id\":\"b\"}\n{\"time\":\"2026-12-07T01:00:02.000Z\",\"req");
        file.ReadNew(null).Select(l => l.RequestId).Should().Equal("b");

        File.AppendAllText(LogPath, "uest_id\":\"c\"}\n");
        file.ReadNew(null).Select(l => l.RequestId).Should().Equal("c");
        file.ReadNew(null).Should().BeEmpty();
    }

    [Fact]
    public void Lines_before_since_are_left_out()
    {
        File.WriteAllText(LogPath, "{\"time\":\"2026-12-07T01:00:00.000Z\",\"request_id\":\"old\"}\n{\"time\":\"2026-12-07T02:00:00.000Z\",\"request_id\":\"new\"}\n");

        new GatewayLogFile(LogPath).ReadNew(new DateTimeOffset(2026, 12, 7, 1, 30, 0, TimeSpan.Zero)).Select(l => l.RequestId).Should().Equal("new");
    }

    [Fact]
    public void No_gateway_log_yet_means_no_lines() =>
        new GatewayLogFile(Path.Combine(directory, "absent.log")).ReadNew(null).Should().BeEmpty();

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
