from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.models import MAX_TEXT_LENGTH, MAX_VALUES


def test_statistics_summarize_the_values(client: TestClient) -> None:
    response = client.post("/compute/statistics", json={"values": [2, 4, 4, 4, 5, 5, 7, 9]})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 8
    assert body["sum"] == 40
    assert body["mean"] == 5
    assert body["median"] == 4.5
    assert (body["min"], body["max"]) == (2, 9)
    assert body["stdev"] == pytest.approx(2.138089935)
    assert body["computed_by"] == "fastapi@abc123"


def test_statistics_of_one_value_have_no_standard_deviation(client: TestClient) -> None:
    body = client.post("/compute/statistics", json={"values": [3.5]}).json()

    assert body["stdev"] is None
    assert body["median"] == 3.5


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"values": []}, "empty list"),
        ({"values": ["a", 1]}, "not a number"),
        ({}, "missing field"),
        ({"values": [1], "extra": True}, "unknown field"),
        ({"values": [0.5] * (MAX_VALUES + 1)}, "too many values"),
    ],
)
def test_statistics_reject_bad_input_with_422(client: TestClient, payload: dict, reason: str) -> None:
    response = client.post("/compute/statistics", json=payload)

    assert response.status_code == 422, reason
    assert response.json()["detail"], reason


def test_statistics_reject_non_finite_numbers(client: TestClient) -> None:
    response = client.post(
        "/compute/statistics", content=b'{"values": [1, NaN]}', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "values", 1]


def test_validation_errors_do_not_echo_the_rejected_input(client: TestClient) -> None:
    response = client.post("/compute/statistics", json={"values": [0.5] * (MAX_VALUES + 1)})

    assert response.status_code == 422
    assert "input" not in response.json()["detail"][0]
    assert len(response.content) < 1000


def test_text_analysis_counts_words_and_ranks_them(client: TestClient) -> None:
    text = "The cat saw the dog.\nThe dog didn't see the cat!"

    body = client.post("/text/analyze", json={"text": text, "top": 3}).json()

    assert body["characters"] == len(text)
    assert body["words"] == 11
    assert body["lines"] == 2
    assert body["unique_words"] == 6
    assert body["top_words"] == [
        {"word": "the", "count": 4},
        {"word": "cat", "count": 2},
        {"word": "dog", "count": 2},
    ]
    assert body["computed_by"] == "fastapi@abc123"


def test_text_analysis_of_empty_text_is_all_zero(client: TestClient) -> None:
    body = client.post("/text/analyze", json={"text": ""}).json()

    assert (body["characters"], body["words"], body["lines"], body["top_words"]) == (0, 0, 0, [])


@pytest.mark.parametrize(
    "payload",
    [{"text": "a", "top": 0}, {"text": "a", "top": 51}, {"text": "x" * (MAX_TEXT_LENGTH + 1)}, {"top": 3}],
)
def test_text_analysis_rejects_bad_input_with_422(client: TestClient, payload: dict) -> None:
    assert client.post("/text/analyze", json=payload).status_code == 422


def test_inspect_echoes_the_request_and_redacts_credentials(client: TestClient) -> None:
    response = client.post(
        "/inspect?tag=a&tag=b&page=2",
        content=b"hello",
        headers={"Authorization": "Bearer secret-token", "X-Trace": "t-1"},
    )

    body = response.json()
    assert body["method"] == "POST"
    assert body["path"] == "/inspect"
    assert body["query"] == {"tag": ["a", "b"], "page": ["2"]}
    assert body["headers"]["authorization"] == "[redacted]"
    assert body["headers"]["x-trace"] == "t-1"
    assert body["body_bytes"] == 5
    assert body["served_by"] == "fastapi@abc123"
    assert "secret-token" not in response.text
