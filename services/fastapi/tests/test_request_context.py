"""The request id and W3C traceparent rules every service shares."""

from __future__ import annotations

import base64
import re

import pytest

from app.request_context import (
    RequestContext,
    TraceParent,
    acceptable_request_id,
    new_request_id,
    new_span_id,
    new_trace_id,
    parse_traceparent,
)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


def test_a_new_request_id_has_the_gateways_shape_base64_of_11_random_bytes() -> None:
    first, second = new_request_id(), new_request_id()

    assert len(first) == 16
    assert len(base64.b64decode(first, validate=True)) == 11
    assert first != second
    assert acceptable_request_id(first) == first


@pytest.mark.parametrize("value", ["JKJaXmPLvHcESHA=", "a", "x" * 128, "Az09+/=_.-", "gw-1.2_3"])
def test_an_incoming_id_of_1_to_128_allowed_characters_is_kept(value: str) -> None:
    assert acceptable_request_id(value) == value


@pytest.mark.parametrize(
    "value",
    [None, "", "x" * 129, "has space", "line\nbreak", 'quote"d', "a,b", "<script>", "ünïcode", "tab\t"],
)
def test_any_other_incoming_id_is_refused(value: str | None) -> None:
    assert acceptable_request_id(value) is None


def test_a_valid_traceparent_gives_its_trace_and_parent_ids() -> None:
    assert parse_traceparent(TRACEPARENT) == TraceParent(TRACE_ID, PARENT_ID)
    assert parse_traceparent(f"00-{TRACE_ID}-{PARENT_ID}-00") == TraceParent(TRACE_ID, PARENT_ID)


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        f"00-{'0' * 32}-{PARENT_ID}-01",  # all-zero trace id
        f"00-{TRACE_ID}-{'0' * 16}-01",  # all-zero parent id
        f"00-{TRACE_ID.upper()}-{PARENT_ID}-01",  # W3C ids are lowercase hex
        f"ff-{TRACE_ID}-{PARENT_ID}-01",  # the forbidden version
        f"00-{TRACE_ID[:-1]}-{PARENT_ID}-01",
        f"00-{TRACE_ID}-{PARENT_ID}0-01",
        f"00-{TRACE_ID}-{PARENT_ID}-1",
        f"00_{TRACE_ID}_{PARENT_ID}_01",
        f"00-{TRACE_ID}-{PARENT_ID}-01-extra",
        f"00-{TRACE_ID[:-1]}g-{PARENT_ID}-01",
    ],
)
def test_an_invalid_traceparent_is_ignored(value: str | None) -> None:
    assert parse_traceparent(value) is None


def test_new_trace_and_span_ids_are_random_lowercase_hex_of_the_w3c_lengths() -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", new_trace_id())
    assert re.fullmatch(r"[0-9a-f]{16}", new_span_id())
    assert new_trace_id() != new_trace_id()
    assert new_span_id() != new_span_id()


def test_a_request_with_a_valid_traceparent_continues_that_trace_in_a_span_of_its_own() -> None:
    context = RequestContext.from_headers("gw-id-1", TRACEPARENT)

    assert context.request_id == "gw-id-1"
    assert context.trace_id == TRACE_ID
    assert context.parent_span_id == PARENT_ID
    assert re.fullmatch(r"[0-9a-f]{16}", context.span_id)
    assert context.span_id != PARENT_ID
    assert context.log_fields() == {
        "request_id": "gw-id-1",
        "trace_id": TRACE_ID,
        "span_id": context.span_id,
        "parent_span_id": PARENT_ID,
    }


@pytest.mark.parametrize("traceparent", [None, f"00-{'0' * 32}-{PARENT_ID}-01", "garbage"])
def test_a_request_without_a_valid_traceparent_starts_a_trace(traceparent: str | None) -> None:
    context = RequestContext.from_headers(None, traceparent)

    assert acceptable_request_id(context.request_id) == context.request_id
    assert len(context.request_id) == 16
    assert re.fullmatch(r"[0-9a-f]{32}", context.trace_id)
    assert context.trace_id != "0" * 32
    assert context.parent_span_id is None
    assert "parent_span_id" not in context.log_fields()


def test_an_unacceptable_incoming_id_is_replaced_by_a_new_one() -> None:
    context = RequestContext.from_headers("not acceptable", None)

    assert context.request_id != "not acceptable"
    assert len(context.request_id) == 16
