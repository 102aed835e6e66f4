using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Build.Aws.Diff;

/// <summary>What an intrinsic function refers to: <c>Ref</c>, <c>Fn::GetAtt</c> and the <c>${…}</c> of <c>Fn::Sub</c>.</summary>
public static partial class TemplateReferences
{
    public static IEnumerable<string> Of(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in value.EnumerateObject())
                {
                    if (member.Name == "Ref" && member.Value.ValueKind == JsonValueKind.String)
                        yield return member.Value.GetString()!;
                    else if (member.Name == "Fn::GetAtt")
                    {
                        if (member.Value.ValueKind == JsonValueKind.String)
                            yield return member.Value.GetString()!.Split('.')[0];
                        else if (member.Value.ValueKind == JsonValueKind.Array && member.Value.GetArrayLength() > 0 &&
                                 member.Value[0].ValueKind == JsonValueKind.String)
                            yield return member.Value[0].GetString()!;
                    }
                    else if (member.Name == "Fn::Sub")
                        foreach (var name in SubReferences(member.Value))
                            yield return name;
                    else
                        foreach (var name in Of(member.Value))
                            yield return name;
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                    foreach (var name in Of(item))
                        yield return name;
                break;
        }
    }

    static IEnumerable<string> SubReferences(JsonElement sub)
    {
        var (text, variables) = sub.ValueKind switch
        {
            JsonValueKind.String => (sub.GetString()!, default(JsonElement?)),
            JsonValueKind.Array when sub.GetArrayLength() > 0 && sub[0].ValueKind == JsonValueKind.String =>
                (sub[0].GetString()!, sub.GetArrayLength() > 1 ? sub[1] : (JsonElement?)null),
            _ => ("", null),
        };
        var local = variables is { ValueKind: JsonValueKind.Object } vars
            ? vars.EnumerateObject().Select(v => v.Name).ToHashSet(StringComparer.Ordinal)
            : [];
        foreach (Match match in SubVariable().Matches(text))
        {
            var name = match.Groups[1].Value.Split('.')[0];
            if (!local.Contains(name))
                yield return name;
        }
        if (variables is { } values)
            foreach (var name in Of(values))
                yield return name;
    }

    [GeneratedRegex(@"\$\{(?!!)([^}]+)\}")]
    private static partial Regex SubVariable();

    /// <summary>
    /// A value as a person reads it: strings as they are, <c>Ref</c> as <c>${Name}</c>, <c>Fn::GetAtt</c> as
    /// <c>${Name.Attribute}</c>, <c>Fn::Join</c> and <c>Fn::Sub</c> joined (e.g. an ARN); anything else compact JSON.
    /// </summary>
    public static string Readable(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString()!;
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                return value.GetRawText();
            case JsonValueKind.Object when TemplateDiffer.IsIntrinsic(value):
                var member = value.EnumerateObject().First();
                switch (member.Name)
                {
                    case "Ref" when member.Value.ValueKind == JsonValueKind.String:
                        return "${" + member.Value.GetString() + "}";
                    case "Fn::GetAtt" when member.Value.ValueKind == JsonValueKind.Array:
                        return "${" + string.Join(".", member.Value.EnumerateArray().Select(Readable)) + "}";
                    case "Fn::GetAtt" when member.Value.ValueKind == JsonValueKind.String:
                        return "${" + member.Value.GetString() + "}";
                    case "Fn::Sub" when member.Value.ValueKind == JsonValueKind.String:
                        return member.Value.GetString()!;
                    case "Fn::Join" when member.Value.ValueKind == JsonValueKind.Array && member.Value.GetArrayLength() == 2 &&
                                        member.Value[0].ValueKind == JsonValueKind.String && member.Value[1].ValueKind == JsonValueKind.Array:
                        return string.Join(member.Value[0].GetString(), member.Value[1].EnumerateArray().Select(Readable));
                }
                break;
        }
        return TemplateDiffer.Render(value) ?? "";
    }
}
