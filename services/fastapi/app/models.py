"""Request and response bodies of the JSON API; validation failures answer 422."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat

MAX_VALUES = 10_000
MAX_TEXT_LENGTH = 100_000
MAX_TOP_WORDS = 50


class StatisticsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    values: Annotated[
        list[FiniteFloat],
        Field(min_length=1, max_length=MAX_VALUES, description="1 to 10000 finite numbers."),
    ]


class StatisticsSummary(BaseModel):
    count: int
    sum: float
    mean: float
    median: float
    min: float
    max: float
    stdev: float | None = Field(description="Sample standard deviation; null for a single value.")
    computed_by: str = Field(description="service@version that computed the result.")


class TextAnalysisRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(max_length=MAX_TEXT_LENGTH, description="Text to analyze.")]
    top: Annotated[int, Field(ge=1, le=MAX_TOP_WORDS, description="How many frequent words to list.")] = 5


class WordCount(BaseModel):
    word: str
    count: int


class TextAnalysis(BaseModel):
    characters: int
    words: int
    lines: int
    unique_words: int
    top_words: list[WordCount]
    computed_by: str


class Health(BaseModel):
    status: str
    service: str
    version: str


class RequestInspection(BaseModel):
    method: str
    path: str
    root_path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    client: str | None
    body_bytes: int
    served_by: str
