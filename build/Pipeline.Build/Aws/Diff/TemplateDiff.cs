using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Build.Aws.Diff;

/// <summary>
/// Compares a deployed CloudFormation template with the one a Deploy would send, like <c>cdk diff</c>: resources added,
/// modified (with each changed property path, old → new, and whether the change replaces the resource) and removed;
/// outputs; and the other template sections. Intrinsic functions (<c>Ref</c>, <c>Fn::*</c>) are compared as whole values.
/// Resources whose template is unchanged but which refer to a changed parameter, or to a resource that is replaced, are
/// listed as modified too, with what they change through (CloudFormation updates them as well).
/// </summary>
public static partial class TemplateDiffer
{
    /// <summary>Resource attributes other than Type and Properties that a deploy applies.</summary>
    static readonly string[] ResourceAttributes = ["DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy", "Metadata"];

    /// <param name="deployed">The template the stack runs; null when the stack would be created.</param>
    /// <param name="planned">The template a Deploy would send.</param>
    /// <param name="changedParameters">Stack parameters whose value a Deploy would change (resources that use them change too).</param>
    public static TemplateDiff Compare(JsonElement? deployed, JsonElement planned, IReadOnlyCollection<string>? changedParameters = null)
    {
        var oldResources = Section(deployed, "Resources");
        var newResources = Section(planned, "Resources");
        var resources = new List<ResourceDiff>();
        foreach (var resource in newResources)
        {
            var type = TypeOf(resource.Value);
            if (!oldResources.TryGetValue(resource.Key, out var old))
            {
                resources.Add(new ResourceDiff(resource.Key, type, DiffKind.Added, []));
                continue;
            }
            var changes = new List<PropertyChange>();
            var oldType = TypeOf(old);
            if (oldType != type)
                changes.Add(new PropertyChange("Type", Quote(oldType), Quote(type)) { Replaces = true });
            var collector = new List<PropertyChange>();
            Compare("", Member(old, "Properties"), Member(resource.Value, "Properties"), collector);
            changes.AddRange(collector.Select(c => c with
            {
                Path = c.Path.Length == 0 ? "Properties" : c.Path,
                Replaces = oldType != type || TemplateDiffReplacements.Replaces(type, TopLevel(c.Path)),
            }));
            foreach (var attribute in ResourceAttributes)
                Compare(attribute, Member(old, attribute), Member(resource.Value, attribute), changes);
            resources.Add(new ResourceDiff(resource.Key, type, changes.Count == 0 ? DiffKind.Unchanged : DiffKind.Modified, changes));
        }
        foreach (var removed in oldResources.Where(r => !newResources.ContainsKey(r.Key)))
            resources.Add(new ResourceDiff(removed.Key, TypeOf(removed.Value), DiffKind.Removed, []));

        if (deployed is not null)
            AddIndirectChanges(resources, newResources, changedParameters ?? []);

        var outputs = new List<OutputDiff>();
        var oldOutputs = Section(deployed, "Outputs");
        var newOutputs = Section(planned, "Outputs");
        foreach (var output in newOutputs)
        {
            if (!oldOutputs.TryGetValue(output.Key, out var old))
            {
                outputs.Add(new OutputDiff(output.Key, DiffKind.Added, [new PropertyChange("Value", null, Render(Member(output.Value, "Value")))]));
                continue;
            }
            var changes = new List<PropertyChange>();
            Compare("", old, output.Value, changes);
            if (changes.Count > 0)
                outputs.Add(new OutputDiff(output.Key, DiffKind.Modified, changes));
        }
        foreach (var removed in oldOutputs.Where(o => !newOutputs.ContainsKey(o.Key)))
            outputs.Add(new OutputDiff(removed.Key, DiffKind.Removed, [new PropertyChange("", Render(removed.Value), null)]));

        var other = new List<PropertyChange>();
        if (deployed is not null)
        {
            var sections = Names(deployed.Value).Concat(Names(planned)).Distinct().Where(s => s is not ("Resources" or "Outputs"));
            foreach (var section in sections)
                Compare(section, Member(deployed.Value, section), Member(planned, section), other);
            other = HideNoEchoDeclarations(other, deployed.Value, planned);
        }

        return new TemplateDiff(resources.Where(r => r.Kind != DiffKind.Unchanged).ToList(), outputs, other);
    }

    /// <summary>
    /// A resource whose template did not change still changes when a parameter it uses gets a new value, or when a
    /// resource it refers to is replaced (its id changes); a replacement found that way may replace further resources.
    /// </summary>
    static void AddIndirectChanges(List<ResourceDiff> resources, IReadOnlyDictionary<string, JsonElement> newResources, IReadOnlyCollection<string> changedParameters)
    {
        var triggers = changedParameters.ToDictionary(p => p, p => $"parameter {p}", StringComparer.Ordinal);
        // Each pass adds at least one change not seen before, or ends: the set of paths is finite.
        while (true)
        {
            foreach (var replaced in resources.Where(r => r.Replaced && !triggers.ContainsKey(r.LogicalId)))
                triggers[replaced.LogicalId] = $"replaced {replaced.LogicalId}";
            if (triggers.Count == 0)
                return;
            var progress = false;
            for (var i = 0; i < resources.Count; i++)
            {
                var resource = resources[i];
                if (resource.Kind is DiffKind.Added or DiffKind.Removed)
                    continue;
                var found = new List<PropertyChange>();
                FindReferences("", Member(newResources[resource.LogicalId], "Properties") ?? default, triggers, found);
                var added = found
                    .Where(f => !resource.Changes.Any(c => c.Path == f.Path || IsWithin(f.Path, c.Path) || IsWithin(c.Path, f.Path)))
                    .Select(f => f with { Replaces = TemplateDiffReplacements.Replaces(resource.Type, TopLevel(f.Path)) })
                    .ToList();
                if (added.Count == 0)
                    continue;
                resources[i] = resource with { Kind = DiffKind.Modified, Changes = [.. resource.Changes, .. added] };
                progress = true;
            }
            if (!progress)
                return;
        }
    }

    static bool IsWithin(string path, string prefix) =>
        prefix.Length == 0 || path.StartsWith(prefix + ".", StringComparison.Ordinal) || path.StartsWith(prefix + "[", StringComparison.Ordinal);

    /// <summary>Paths under <paramref name="value"/> whose value (an intrinsic function) refers to one of <paramref name="triggers"/>.</summary>
    static void FindReferences(string path, JsonElement value, IReadOnlyDictionary<string, string> triggers, List<PropertyChange> found)
    {
        if (IsIntrinsic(value))
        {
            var target = TemplateReferences.Of(value).FirstOrDefault(triggers.ContainsKey);
            if (target is not null)
                found.Add(new PropertyChange(path, null, null) { Via = triggers[target] });
            return;
        }
        if (value.ValueKind == JsonValueKind.Object)
            foreach (var property in value.EnumerateObject())
                FindReferences(Join(path, property.Name), property.Value, triggers, found);
        else if (value.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in value.EnumerateArray())
                FindReferences($"{path}[{index++}]", item, triggers, found);
        }
    }

    /// <summary>Changes inside the declaration of a NoEcho parameter show no value (its default may be a secret).</summary>
    static List<PropertyChange> HideNoEchoDeclarations(List<PropertyChange> changes, JsonElement deployed, JsonElement planned)
    {
        var hidden = NoEchoParameters(deployed).Concat(NoEchoParameters(planned)).ToHashSet(StringComparer.Ordinal);
        return changes.Select(c => hidden.Any(p => c.Path == $"Parameters.{p}" || IsWithin(c.Path, $"Parameters.{p}")) && !c.Path.EndsWith(".NoEcho", StringComparison.Ordinal)
            ? c with { Old = c.Old is null ? null : NoEchoValue, New = c.New is null ? null : NoEchoValue }
            : c).ToList();
    }

    public const string NoEchoValue = "(hidden: NoEcho)";

    /// <summary>The template's parameters declared with <c>NoEcho: true</c> (their values are never printed).</summary>
    public static IEnumerable<string> NoEchoParameters(JsonElement template) =>
        Section(template, "Parameters")
            .Where(p => Member(p.Value, "NoEcho") is { } echo &&
                        (echo.ValueKind == JsonValueKind.True || (echo.ValueKind == JsonValueKind.String && string.Equals(echo.GetString(), "true", StringComparison.OrdinalIgnoreCase))))
            .Select(p => p.Key);

    /// <summary>Records every difference between <paramref name="old"/> and <paramref name="new"/> under <paramref name="path"/>.</summary>
    internal static void Compare(string path, JsonElement? old, JsonElement? @new, List<PropertyChange> changes)
    {
        var before = Present(old);
        var after = Present(@new);
        if (before is null && after is null)
            return;
        if (before is null || after is null)
        {
            changes.Add(new PropertyChange(path, Render(before), Render(after)));
            return;
        }
        var a = before.Value;
        var b = after.Value;
        if (IsIntrinsic(a) || IsIntrinsic(b) || Container(a) != Container(b) || Container(a) == JsonValueKind.Undefined)
        {
            if (!Equal(a, b))
                changes.Add(new PropertyChange(path, Render(a), Render(b)));
            return;
        }
        if (a.ValueKind == JsonValueKind.Object)
        {
            var oldMembers = a.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
            var newNames = b.EnumerateObject().Select(p => p.Name).ToList();
            foreach (var name in newNames.Concat(oldMembers.Keys.Where(k => !newNames.Contains(k, StringComparer.Ordinal))))
                Compare(Join(path, name), oldMembers.TryGetValue(name, out var o) ? o : null, Member(b, name), changes);
            return;
        }
        CompareArrays(path, a.EnumerateArray().ToList(), b.EnumerateArray().ToList(), changes);
    }

    /// <summary>
    /// Equal elements are matched wherever they sit (a rule inserted in a list is one addition, not a shift of every
    /// later element); what is left is compared element by element when as many remain on both sides, else listed whole.
    /// </summary>
    static void CompareArrays(string path, List<JsonElement> old, List<JsonElement> @new, List<PropertyChange> changes)
    {
        var oldMatched = new bool[old.Count];
        var newMatched = new bool[@new.Count];
        for (var j = 0; j < @new.Count; j++)
        {
            var i = j < old.Count && !oldMatched[j] && Equal(old[j], @new[j])
                ? j
                : Enumerable.Range(0, old.Count).FirstOrDefault(k => !oldMatched[k] && Equal(old[k], @new[j]), -1);
            if (i < 0) continue;
            oldMatched[i] = true;
            newMatched[j] = true;
        }
        var oldLeft = Enumerable.Range(0, old.Count).Where(i => !oldMatched[i]).ToList();
        var newLeft = Enumerable.Range(0, @new.Count).Where(j => !newMatched[j]).ToList();
        if (oldLeft.Count == newLeft.Count)
        {
            for (var k = 0; k < newLeft.Count; k++)
                Compare($"{path}[{newLeft[k]}]", old[oldLeft[k]], @new[newLeft[k]], changes);
            return;
        }
        foreach (var i in oldLeft)
            changes.Add(new PropertyChange($"{path}[{i}]", Render(old[i]), null));
        foreach (var j in newLeft)
            changes.Add(new PropertyChange($"{path}[{j}]", null, Render(@new[j])));
    }

    /// <summary>
    /// Structural equality; object member order does not matter, and a number or boolean equals the string CloudFormation
    /// reads it as (<c>3000</c> and <c>"3000"</c>).
    /// </summary>
    public static bool Equal(JsonElement a, JsonElement b)
    {
        if (a.ValueKind == JsonValueKind.Object && b.ValueKind == JsonValueKind.Object)
        {
            var left = a.EnumerateObject().ToList();
            var right = b.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
            return left.Count == right.Count && left.All(p => right.TryGetValue(p.Name, out var v) && Equal(p.Value, v));
        }
        if (a.ValueKind == JsonValueKind.Array && b.ValueKind == JsonValueKind.Array)
        {
            var left = a.EnumerateArray().ToList();
            var right = b.EnumerateArray().ToList();
            return left.Count == right.Count && left.Zip(right).All(p => Equal(p.First, p.Second));
        }
        if (Container(a) != JsonValueKind.Undefined || Container(b) != JsonValueKind.Undefined)
            return false;
        if (ScalarText(a) is not { } x || ScalarText(b) is not { } y)
            return a.ValueKind == b.ValueKind; // null equals only null
        if (x == y)
            return true;
        // 8000 and 8000.0 are the same number; "1.0" and "1" are different strings.
        return (a.ValueKind == JsonValueKind.Number || b.ValueKind == JsonValueKind.Number) &&
               decimal.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) &&
               decimal.TryParse(y, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && m == n;
    }

    static string? ScalarText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    static JsonValueKind Container(JsonElement value) =>
        value.ValueKind is JsonValueKind.Object or JsonValueKind.Array ? value.ValueKind : JsonValueKind.Undefined;

    /// <summary>An intrinsic function: an object with one member, <c>Ref</c>, <c>Condition</c> or <c>Fn::…</c>.</summary>
    public static bool IsIntrinsic(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) return false;
        using var members = value.EnumerateObject();
        if (!members.MoveNext()) return false;
        var name = members.Current.Name;
        return !members.MoveNext() && (name is "Ref" or "Condition" || name.StartsWith("Fn::", StringComparison.Ordinal));
    }

    static JsonElement? Present(JsonElement? value) =>
        value is { ValueKind: not JsonValueKind.Undefined } present ? present : null;

    static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Longest value shown; longer values end in "…".</summary>
    public const int MaxValueLength = 160;

    /// <summary>A value as one line of compact JSON (strings quoted), cut at <see cref="MaxValueLength"/>; null for absent.</summary>
    public static string? Render(JsonElement? value)
    {
        if (Present(value) is not { } present) return null;
        var text = JsonSerializer.Serialize(present, Compact);
        return text.Length <= MaxValueLength ? text : text[..(MaxValueLength - 1)] + "…";
    }

    static string Quote(string text) => JsonSerializer.Serialize(text, Compact);

    static string TypeOf(JsonElement resource) => Member(resource, "Type") is { ValueKind: JsonValueKind.String } type ? type.GetString()! : "";

    internal static JsonElement? Member(JsonElement? element, string name) =>
        element is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty(name, out var value) ? value : null;

    /// <summary>The members of a top-level section (Resources, Outputs, Parameters) by name; empty when absent.</summary>
    internal static IReadOnlyDictionary<string, JsonElement> Section(JsonElement? template, string name) =>
        Member(template, name) is { ValueKind: JsonValueKind.Object } section
            ? section.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal)
            : new Dictionary<string, JsonElement>();

    static IEnumerable<string> Names(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object ? element.EnumerateObject().Select(p => p.Name) : [];

    static string Join(string path, string name)
    {
        var segment = IdentifierLike().IsMatch(name) ? name : $"[{Quote(name)}]";
        return path.Length == 0 ? segment : segment.StartsWith('[') ? path + segment : path + "." + segment;
    }

    /// <summary>The property a path starts in: <c>ContainerDefinitions[0].Image</c> → <c>ContainerDefinitions</c>.</summary>
    public static string TopLevel(string path)
    {
        var end = path.IndexOfAny(['.', '[']);
        return end < 0 ? path : path[..end];
    }

    [GeneratedRegex("^[A-Za-z0-9_:@-]+$")]
    private static partial Regex IdentifierLike();
}

public enum DiffKind
{
    Added,
    Modified,
    Removed,
    Unchanged,
}

/// <summary>One changed value at a path inside a resource, an output or a template section; Old/New are compact JSON, null when absent.</summary>
public sealed record PropertyChange(string Path, string? Old, string? New)
{
    /// <summary>CloudFormation replaces the resource for this change (see <see cref="TemplateDiffReplacements"/>).</summary>
    public bool Replaces { get; init; }

    /// <summary>
    /// Set when the template value is the same but what it refers to changes: <c>parameter ImageTagMcp</c> or
    /// <c>replaced McpServiceTask9FD0F19E</c>.
    /// </summary>
    public string? Via { get; init; }
}

/// <summary>One resource that would be added, modified (with its changes) or removed.</summary>
public sealed record ResourceDiff(string LogicalId, string Type, DiffKind Kind, IReadOnlyList<PropertyChange> Changes)
{
    /// <summary>A modification CloudFormation carries out by creating a new resource and deleting the old one.</summary>
    public bool Replaced => Kind == DiffKind.Modified && Changes.Any(c => c.Replaces);
}

/// <summary>One stack output that would be added, changed or removed.</summary>
public sealed record OutputDiff(string Name, DiffKind Kind, IReadOnlyList<PropertyChange> Changes);

/// <summary>What differs between two templates of one stack.</summary>
public sealed record TemplateDiff(IReadOnlyList<ResourceDiff> Resources, IReadOnlyList<OutputDiff> Outputs, IReadOnlyList<PropertyChange> Other)
{
    public int Added => Resources.Count(r => r.Kind == DiffKind.Added);

    public int Modified => Resources.Count(r => r.Kind == DiffKind.Modified);

    public int Replaced => Resources.Count(r => r.Replaced);

    public int Removed => Resources.Count(r => r.Kind == DiffKind.Removed);

    public bool IsEmpty => Resources.Count == 0 && Outputs.Count == 0 && Other.Count == 0;
}
