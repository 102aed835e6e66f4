using System.Text.Json;
using Pipeline.Build.Synthesis;
using static Pipeline.Build.Reports.TemplateJson;

namespace Pipeline.Build.Reports;

/// <summary>
/// Follows a value to the resources it stands for, within its template or across templates: a <c>Ref</c>/<c>Fn::GetAtt</c>
/// to a resource of the same template, an <c>Fn::ImportValue</c> of another template's export, or a template parameter
/// of type <c>AWS::SSM::Parameter::Value&lt;…&gt;</c> whose default names the <c>AWS::SSM::Parameter</c> another template
/// writes. A value it cannot follow yields nothing.
/// </summary>
public sealed class CrossStackReferences
{
    readonly IReadOnlyList<HashSet<string>> resourceIds;
    readonly IReadOnlyList<Dictionary<string, string>> ssmParameters;
    readonly Dictionary<string, (int Stack, string Id)> exports = new(StringComparer.Ordinal);
    readonly Dictionary<string, (int Stack, string Id)> ssmValues = new(StringComparer.Ordinal);

    public CrossStackReferences(IReadOnlyList<JsonDocument> templates, IReadOnlyList<IReadOnlyList<TemplateResource>> resources)
    {
        resourceIds = resources.Select(r => r.Select(x => x.LogicalId).ToHashSet(StringComparer.Ordinal)).ToList();
        ssmParameters = templates.Select(t => Members(Child(t.RootElement, "Parameters"))
            .Where(p => String(Child(p.Value, "Type"))?.StartsWith("AWS::SSM::Parameter::Value<", StringComparison.Ordinal) == true)
            .Where(p => String(Child(p.Value, "Default")) is not null)
            .ToDictionary(p => p.Name, p => String(Child(p.Value, "Default"))!, StringComparer.Ordinal)).ToList();
        for (var s = 0; s < templates.Count; s++)
        {
            foreach (var output in Members(Child(templates[s].RootElement, "Outputs")))
                if (String(Child(Child(output.Value, "Export"), "Name")) is { } name && ReferencedId(Child(output.Value, "Value")) is { } id)
                    exports.TryAdd(name, (s, id));
            foreach (var parameter in resources[s].Where(r => r.Type == "AWS::SSM::Parameter"))
                if (String(parameter.Property("Name")) is { } name && ReferencedId(parameter.Property("Value")) is { } id)
                    ssmValues.TryAdd(name, (s, id));
        }
    }

    /// <summary>Every resource referenced anywhere inside a value of template <paramref name="stack"/>, by template index and logical id.</summary>
    public IEnumerable<(int Stack, string Id)> Targets(int stack, JsonElement? value)
    {
        if (value is not { } element)
            yield break;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (String(Child(element, "Fn::ImportValue")) is { } export && exports.TryGetValue(export, out var exported))
                    yield return exported;
                else if (ReferencedId(element) is { } id)
                {
                    if (ssmParameters[stack].TryGetValue(id, out var path))
                    {
                        if (ssmValues.TryGetValue(path, out var written))
                            yield return written;
                    }
                    else if (resourceIds[stack].Contains(id))
                        yield return (stack, id);
                }
                foreach (var property in element.EnumerateObject())
                    foreach (var nested in Targets(stack, property.Value))
                        yield return nested;
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    foreach (var nested in Targets(stack, item))
                        yield return nested;
                break;
        }
    }

    static IEnumerable<JsonProperty> Members(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.Object } element ? element.EnumerateObject() : [];
}
