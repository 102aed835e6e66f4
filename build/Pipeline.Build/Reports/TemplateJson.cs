using System.Globalization;
using System.Text.Json;

namespace Pipeline.Build.Reports;

/// <summary>Reading CloudFormation values that may be literals or intrinsic functions (Ref, Fn::GetAtt, Fn::Join).</summary>
public static class TemplateJson
{
    /// <summary>The logical id a <c>{"Ref": id}</c> or <c>{"Fn::GetAtt": [id, attr]}</c> points at; null for anything else.</summary>
    public static string? ReferencedId(JsonElement? value)
    {
        if (value is not { ValueKind: JsonValueKind.Object } element)
            return null;
        if (element.TryGetProperty("Ref", out var reference) && reference.ValueKind == JsonValueKind.String)
            return reference.GetString();
        if (element.TryGetProperty("Fn::GetAtt", out var getAtt))
        {
            if (getAtt.ValueKind == JsonValueKind.Array && getAtt.GetArrayLength() > 0 && getAtt[0].ValueKind == JsonValueKind.String)
                return getAtt[0].GetString();
            if (getAtt.ValueKind == JsonValueKind.String)
                return getAtt.GetString()!.Split('.')[0];
        }
        return null;
    }

    /// <summary>Every logical id referenced anywhere inside a value (pseudo parameters such as AWS::Region excluded).</summary>
    public static IEnumerable<string> ReferencedIds(JsonElement? value)
    {
        if (value is not { } element)
            yield break;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (ReferencedId(element) is { } id && !id.StartsWith("AWS::", StringComparison.Ordinal))
                    yield return id;
                foreach (var property in element.EnumerateObject())
                    foreach (var nested in ReferencedIds(property.Value))
                        yield return nested;
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    foreach (var nested in ReferencedIds(item))
                        yield return nested;
                break;
        }
    }

    /// <summary>The literal text inside a value: a string itself, or the string parts of an Fn::Join, concatenated.</summary>
    public static string LiteralText(JsonElement? value)
    {
        if (value is not { } element)
            return "";
        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString()!,
            JsonValueKind.Array => string.Concat(element.EnumerateArray().Select(e => LiteralText(e))),
            JsonValueKind.Object => string.Concat(element.EnumerateObject()
                .Where(p => p.Name is "Fn::Join")
                .Select(p => p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() == 2 ? LiteralText(p.Value[1]) : "")),
            _ => "",
        };
    }

    /// <summary>A literal string, or null when the value is missing or computed.</summary>
    public static string? String(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.String } element ? element.GetString() : null;

    /// <summary>A whole number written as a number or a string ("256"); null when missing or computed.</summary>
    public static int? Integer(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var i) => i,
        { ValueKind: JsonValueKind.String } s when int.TryParse(s.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) => i,
        _ => null,
    };

    public static JsonElement? Child(JsonElement? value, string name) =>
        value is { ValueKind: JsonValueKind.Object } element && element.TryGetProperty(name, out var child) ? child : null;

    public static IEnumerable<JsonElement> Items(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];
}
