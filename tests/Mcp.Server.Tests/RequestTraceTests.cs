using System.Text.RegularExpressions;
using Mcp.Server.Logs;

namespace Mcp.Server.Tests;

public sealed class RequestTraceTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string ParentId = "00f067aa0ba902b7";

    [Fact]
    public void A_new_request_id_has_the_gateways_shape_base64_of_11_random_bytes()
    {
        var first = RequestTrace.NewRequestId();

        first.Should().HaveLength(16);
        Convert.FromBase64String(first).Should().HaveCount(11);
        first.Should().NotBe(RequestTrace.NewRequestId());
        RequestTrace.IsAcceptableRequestId(first).Should().BeTrue();
    }

    [Theory]
    [InlineData("JKJaXmPLvHcESHA=")]
    [InlineData("a")]
    [InlineData("Az09+/=_.-")]
    public void An_incoming_id_of_1_to_128_allowed_characters_is_kept(string id)
    {
        RequestTrace.IsAcceptableRequestId(id).Should().BeTrue();
        RequestTrace.IsAcceptableRequestId(new string('x', 128)).Should().BeTrue();
        RequestTrace.FromHeaders(id, null).RequestId.Should().Be(id);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("line\nbreak")]
    [InlineData("quote\"d")]
    [InlineData("a,b")]
    [InlineData("<script>")]
    [InlineData("ünïcode")]
    public void Any_other_incoming_id_is_replaced_by_a_new_one(string? id)
    {
        var trace = RequestTrace.FromHeaders(id, null);

        RequestTrace.IsAcceptableRequestId(id).Should().BeFalse();
        trace.RequestId.Should().NotBe(id).And.HaveLength(16);
    }

    [Fact]
    public void An_id_of_129_characters_is_replaced()
    {
        RequestTrace.IsAcceptableRequestId(new string('x', 129)).Should().BeFalse();
    }

    [Fact]
    public void A_valid_traceparent_is_continued_in_a_span_of_its_own()
    {
        var trace = RequestTrace.FromHeaders("gw-1", $"00-{TraceId}-{ParentId}-01");

        trace.TraceId.Should().Be(TraceId);
        trace.ParentSpanId.Should().Be(ParentId);
        trace.SpanId.Should().MatchRegex("^[0-9a-f]{16}$").And.NotBe(ParentId);
        trace.LogFields().Should().Equal(
            new("request_id", "gw-1"), new("trace_id", TraceId), new("span_id", trace.SpanId), new("parent_span_id", ParentId));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")]
    [InlineData("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")]
    [InlineData("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1")]
    [InlineData("00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n")]
    [InlineData("garbage")]
    public void Without_a_valid_traceparent_a_new_trace_starts(string? traceParent)
    {
        var trace = RequestTrace.FromHeaders(null, traceParent);

        RequestTrace.TryParseTraceParent(traceParent, out _, out _).Should().BeFalse();
        trace.TraceId.Should().MatchRegex("^[0-9a-f]{32}$").And.NotBe(TraceId).And.NotBe(new string('0', 32));
        trace.SpanId.Should().MatchRegex("^[0-9a-f]{16}$");
        trace.ParentSpanId.Should().BeNull();
        trace.LogFields().Select(field => field.Key).Should().Equal("request_id", "trace_id", "span_id");
    }

    [Fact]
    public void A_call_made_while_serving_continues_the_trace_as_a_sampled_child()
    {
        var trace = RequestTrace.FromHeaders(null, $"00-{TraceId}-{ParentId}-00");
        var callSpan = RequestTrace.NewSpanId();

        trace.TraceParentFor(callSpan).Should().Be($"00-{TraceId}-{callSpan}-01");
        RequestTrace.TryParseTraceParent(trace.TraceParentFor(callSpan), out var traceId, out var parentId).Should().BeTrue();
        (traceId, parentId).Should().Be((TraceId, callSpan));
    }

    [Fact]
    public void New_trace_and_span_ids_are_random_lowercase_hex_of_the_w3c_lengths()
    {
        Regex.IsMatch(RequestTrace.NewTraceId(), "^[0-9a-f]{32}$").Should().BeTrue();
        Regex.IsMatch(RequestTrace.NewSpanId(), "^[0-9a-f]{16}$").Should().BeTrue();
        RequestTrace.NewTraceId().Should().NotBe(RequestTrace.NewTraceId());
    }
}
