using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.Build.Aws.Roles;

/// <summary>An IAM permission policy: a name, what it is for, and its Allow statements.</summary>
public sealed record IamPolicy(string Name, string Purpose, IReadOnlyList<IamStatement> Statements)
{
    /// <summary>A customer managed policy holds at most 6,144 characters, whitespace not counted.</summary>
    public const int ManagedPolicySizeLimit = 6144;

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The actions the policy allows.</summary>
    public IEnumerable<string> Actions => Statements.Where(s => !s.Denies).SelectMany(s => s.Actions).Distinct(StringComparer.Ordinal);

    public JsonObject ToJsonObject() => new()
    {
        ["Version"] = "2012-10-17",
        ["Statement"] = new JsonArray([.. Statements.Select(s => (JsonNode)s.ToJsonObject())]),
    };

    public string ToJson() => ToJsonObject().ToJsonString(Indented) + "\n";

    /// <summary>Characters as IAM counts them against its size limits (no whitespace).</summary>
    public int Size => ToJsonObject().ToJsonString(Compact).Count(c => !char.IsWhiteSpace(c));
}

/// <summary>One statement, Allow unless made with <see cref="Deny"/>; <see cref="Conditions"/> maps an operator to condition keys and their values.</summary>
public sealed record IamStatement(string Sid, IReadOnlyList<string> Actions, IReadOnlyList<string> Resources)
{
    public bool Denies { get; init; }

    public static IamStatement Deny(string sid, IReadOnlyList<string> actions, IReadOnlyList<string> resources) => new(sid, actions, resources) { Denies = true };

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> Conditions { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>>();

    public IamStatement When(string @operator, string key, params IReadOnlyList<string> values)
    {
        var conditions = Conditions.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
        var keys = conditions.TryGetValue(@operator, out var existing)
            ? existing.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal)
            : new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        keys[key] = values;
        conditions[@operator] = keys;
        return this with { Conditions = conditions };
    }

    public JsonObject ToJsonObject()
    {
        var statement = new JsonObject
        {
            ["Sid"] = Sid,
            ["Effect"] = Denies ? "Deny" : "Allow",
            ["Action"] = OneOrMany(Actions.Order(StringComparer.Ordinal).ToList()),
            ["Resource"] = OneOrMany(Resources),
        };
        if (Conditions.Count > 0)
            statement["Condition"] = new JsonObject(Conditions.Select(c => KeyValuePair.Create(c.Key,
                (JsonNode?)new JsonObject(c.Value.Select(k => KeyValuePair.Create(k.Key, OneOrMany(k.Value)))))));
        return statement;
    }

    static JsonNode? OneOrMany(IReadOnlyList<string> values) =>
        values.Count == 1 ? JsonValue.Create(values[0]) : new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
}
