using System.Text.Json.Serialization;

namespace Mcp.Server;

/// <summary>Counts for a piece of text as the fastapi service computes them.</summary>
public sealed record TextAnalysis(
    [property: JsonPropertyName("characters")] int Characters,
    [property: JsonPropertyName("words")] int Words,
    [property: JsonPropertyName("lines")] int Lines,
    [property: JsonPropertyName("unique_words")] int UniqueWords,
    [property: JsonPropertyName("top_words")] IReadOnlyList<WordCount> TopWords,
    [property: JsonPropertyName("computed_by")] string ComputedBy);
