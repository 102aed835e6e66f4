using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;

namespace Pipeline.Build.Aws.Clients;

/// <summary>Lenient readers for AWS answers: a missing member is an empty value, timestamps come as epoch seconds or ISO text.</summary>
static class AwsJsonReading
{
    public static string Text(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : "";

    public static int Number(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetInt32()
            : 0;

    /// <summary>A number that may be fractional or absent (null), e.g. a traffic weight.</summary>
    public static double? Fraction(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : null;

    public static DateTimeOffset? Time(this JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.Number => DateTimeOffset.FromUnixTimeMilliseconds((long)(value.GetDouble() * 1000)),
            JsonValueKind.String when DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) => t,
            _ => null,
        };
    }

    public static IEnumerable<JsonElement> Items(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : [];

    public static string Text(this XElement element, string name) => element.Element(name)?.Value ?? "";

    public static IEnumerable<XElement> Members(this XElement element, string listName) =>
        element.Element(listName)?.Elements("member") ?? [];

    /// <summary>The entries of an EC2 list (<c>&lt;listName&gt;&lt;item&gt;...</c>).</summary>
    public static IEnumerable<XElement> Items(this XElement element, string listName) =>
        element.Element(listName)?.Elements("item") ?? [];

    public static DateTimeOffset? Time(this XElement element, string name) =>
        DateTimeOffset.TryParse(element.Element(name)?.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}
