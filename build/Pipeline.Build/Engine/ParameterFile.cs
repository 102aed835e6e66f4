using System.Text.Json;

namespace Pipeline.Build.Engine;

/// <summary>A <c>.nuke/parameters*.json</c> file: parameter name → value (string, number, bool or array).</summary>
internal sealed record ParameterFile(string Path, ParameterSource Source, IReadOnlyDictionary<string, IReadOnlyList<string>> Values)
{
    public static ParameterFile Read(string path, ParameterSource source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
        }
        catch (JsonException e)
        {
            throw new PipelineException($"{path} is not valid JSON (line {e.LineNumber + 1}): {e.Message} Fix the file; nothing was run.");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new PipelineException($"{path} must hold a JSON object of parameter names to values.");

            var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name.StartsWith('$')) continue; // "$schema" and friends
                values[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.Array => property.Value.EnumerateArray().Select(Scalar).ToList(),
                    JsonValueKind.Null => [],
                    _ => [Scalar(property.Value)],
                };
            }
            return new ParameterFile(path, source, values);
        }

        string Scalar(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => e.GetString()!,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
            _ => throw new PipelineException($"{path}: values must be strings, numbers, booleans or arrays of those."),
        };
    }
}
