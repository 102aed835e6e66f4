using System.Text.Json.Serialization;

namespace Mcp.Server;

public sealed record WordCount(
    [property: JsonPropertyName("word")] string Word,
    [property: JsonPropertyName("count")] int Count);
