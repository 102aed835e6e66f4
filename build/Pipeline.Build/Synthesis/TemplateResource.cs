using System.Text.Json;

namespace Pipeline.Build.Synthesis;

/// <summary>A resource of a CloudFormation template: its logical id, type and properties.</summary>
public sealed record TemplateResource(string LogicalId, string Type, JsonElement Properties)
{
    public JsonElement? Property(string name) =>
        Properties.ValueKind == JsonValueKind.Object && Properties.TryGetProperty(name, out var value) ? value : null;

    public IEnumerable<JsonElement> Items(string name) =>
        Property(name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    public static IReadOnlyList<TemplateResource> All(JsonDocument template)
    {
        if (!template.RootElement.TryGetProperty("Resources", out var resources) || resources.ValueKind != JsonValueKind.Object)
            return [];
        return resources.EnumerateObject()
            .Select(r => new TemplateResource(
                r.Name,
                r.Value.TryGetProperty("Type", out var type) ? type.GetString() ?? "" : "",
                r.Value.TryGetProperty("Properties", out var props) ? props : default))
            .ToList();
    }
}
