using System.Text.Json;
using Mcp.Server.Logs;
using Microsoft.Extensions.Logging;

namespace Mcp.Server.Tests;

public sealed class JsonLineFormatterTests
{
    private const string Rfc3339UtcMilliseconds = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$";

    private readonly JsonLogLines _log = new(new ServiceSettings { Version = "v9" });

    [Fact]
    public void A_line_is_one_json_object_with_time_level_service_version_message_event_and_logger()
    {
        _log.LogInformation("plain {Word}", "text");

        _log.Text.Should().EndWith("\n");
        _log.Text.TrimEnd('\n').Should().NotContain("\n");
        var line = _log.Lines.Should().ContainSingle().Subject;
        line.GetProperty("time").GetString().Should().MatchRegex(Rfc3339UtcMilliseconds);
        DateTimeOffset.Parse(line.GetProperty("time").GetString()!).Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
        Text(line, "level").Should().Be("info");
        Text(line, "service").Should().Be("mcp");
        Text(line, "version").Should().Be("v9");
        Text(line, "message").Should().Be("plain text");
        Text(line, "event").Should().Be("log");
        Text(line, "logger").Should().Be("Mcp.Server.Tests");
        line.TryGetProperty("request_id", out _).Should().BeFalse();
    }

    [Theory]
    [InlineData(LogLevel.Trace, "debug")]
    [InlineData(LogLevel.Debug, "debug")]
    [InlineData(LogLevel.Information, "info")]
    [InlineData(LogLevel.Warning, "warning")]
    [InlineData(LogLevel.Error, "error")]
    [InlineData(LogLevel.Critical, "error")]
    public void Levels_are_named_as_the_contract_names_them(LogLevel level, string name)
    {
        _log.Log(level, "a line");

        Text(_log.Lines.Single(), "level").Should().Be(name);
    }

    [Fact]
    public void The_event_is_the_event_ids_name_in_snake_case()
    {
        _log.LogInformation(new EventId(3, "TokenRequirement"), "one");
        _log.LogInformation(OutgoingRequestLogHandler.OutgoingRequestEvent, "two");

        _log.Lines.Select(line => Text(line, "event")).Should().Equal("token_requirement", "outgoing_request");
    }

    [Fact]
    public void A_messages_placeholders_become_snake_case_fields_of_their_own_type()
    {
        _log.LogWarning("PORT={Port} wins over {OverriddenNames} ({Enabled})", 3000, "ASPNETCORE_URLS", true);

        var line = _log.Lines.Single();
        Text(line, "message").Should().Be("PORT=3000 wins over ASPNETCORE_URLS (True)");
        line.GetProperty("port").GetInt32().Should().Be(3000);
        Text(line, "overridden_names").Should().Be("ASPNETCORE_URLS");
        line.GetProperty("enabled").GetBoolean().Should().BeTrue();
        line.TryGetProperty("{OriginalFormat}", out _).Should().BeFalse();
    }

    [Fact]
    public void A_field_cannot_replace_the_shared_ones()
    {
        _log.LogInformation("{Service} {Time} {Level}", "forged", "then", "none");

        var line = _log.Lines.Single();
        Text(line, "service").Should().Be("mcp");
        Text(line, "level").Should().Be("info");
        Text(line, "time").Should().MatchRegex(Rfc3339UtcMilliseconds);
    }

    [Fact]
    public void A_line_written_while_serving_a_request_carries_its_ids()
    {
        var trace = RequestTrace.FromHeaders("JKJaXmPLvHcESHA=", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        RequestTrace.Current = trace;
        try
        {
            _log.LogInformation("inside");
        }
        finally
        {
            RequestTrace.Current = null;
        }

        _log.LogInformation("outside");
        var (inside, outside) = (_log.Lines[0], _log.Lines[1]);
        Text(inside, "request_id").Should().Be("JKJaXmPLvHcESHA=");
        Text(inside, "trace_id").Should().Be("4bf92f3577b34da6a3ce929d0e0e4736");
        Text(inside, "span_id").Should().Be(trace.SpanId);
        Text(inside, "parent_span_id").Should().Be("00f067aa0ba902b7");
        outside.TryGetProperty("request_id", out _).Should().BeFalse();
        _log.Text.Should().Contain("\"JKJaXmPLvHcESHA=\"", "a request id is written as sent, so the raw line can be searched for it");
    }

    [Fact]
    public void A_line_about_a_request_or_a_call_is_stamped_with_when_it_began()
    {
        var began = new DateTimeOffset(2026, 12, 7, 1, 2, 3, 456, TimeSpan.Zero);

        _log.Log(LogLevel.Information, RequestLogMiddleware.RequestEvent, new LogFields("GET /x 200", [new("status", 200)], began), null, LogFields.Format);

        Text(_log.Lines.Single(), "time").Should().Be("2026-12-07T01:02:03.456Z");
    }

    [Fact]
    public void Log_fields_keep_their_names_write_null_and_numbers_and_name_the_span_of_a_call()
    {
        RequestTrace.Current = RequestTrace.FromHeaders("req-1", null);
        try
        {
            _log.Log(LogLevel.Error, OutgoingRequestLogHandler.OutgoingRequestEvent, new LogFields("POST fastapi /x failed", [
                new("span_id", "00000000000000aa"),
                new("status", null),
                new("duration_ms", 12.345),
                new("peer_service", "fastapi"),
            ]), null, LogFields.Format);
        }
        finally
        {
            RequestTrace.Current = null;
        }

        var line = _log.Lines.Single();
        Text(line, "message").Should().Be("POST fastapi /x failed");
        Text(line, "request_id").Should().Be("req-1");
        Text(line, "span_id").Should().Be("00000000000000aa");
        _log.Text.Split("\"span_id\"").Should().HaveCount(2, "one span_id: the call's");
        line.GetProperty("status").ValueKind.Should().Be(JsonValueKind.Null);
        line.GetProperty("duration_ms").GetDouble().Should().Be(12.345);
        Text(line, "peer_service").Should().Be("fastapi");
    }

    [Fact]
    public void An_exception_adds_its_full_type_name_and_frames_but_never_its_message()
    {
        try
        {
            throw new InputCarryingException("the caller's secret-input-123");
        }
        catch (InputCarryingException exception)
        {
            _log.LogError(exception, "the tool failed");
        }

        var line = _log.Lines.Single();
        Text(line, "message").Should().Be("the tool failed");
        Text(line, "exception_type").Should().Be(typeof(InputCarryingException).FullName);
        Text(line, "exception_stack").Should().Contain(nameof(An_exception_adds_its_full_type_name_and_frames_but_never_its_message));
        _log.Text.Should().NotContain("secret-input-123");
    }

    private static string? Text(JsonElement line, string name) => line.GetProperty(name).GetString();

    private sealed class InputCarryingException(string message) : Exception(message);
}
