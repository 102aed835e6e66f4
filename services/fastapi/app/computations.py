"""Pure functions behind the JSON API, so every task computes the same answer without shared state."""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter

from .models import StatisticsSummary, TextAnalysis, WordCount

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def summarize(values: list[float], computed_by: str) -> StatisticsSummary:
    return StatisticsSummary(
        count=len(values),
        sum=math.fsum(values),
        mean=statistics.fmean(values),
        median=statistics.median(values),
        min=min(values),
        max=max(values),
        stdev=statistics.stdev(values) if len(values) > 1 else None,
        computed_by=computed_by,
    )


def analyze(text: str, top: int, computed_by: str) -> TextAnalysis:
    words = [word.lower() for word in _WORD.findall(text)]
    counts = Counter(words)
    # Ties are broken alphabetically so every task returns the same list for the same text.
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return TextAnalysis(
        characters=len(text),
        words=len(words),
        lines=len(text.splitlines()),
        unique_words=len(counts),
        top_words=[WordCount(word=word, count=count) for word, count in ranked],
        computed_by=computed_by,
    )
