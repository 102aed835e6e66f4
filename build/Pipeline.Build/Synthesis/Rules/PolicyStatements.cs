using System.Text.Json;

namespace Pipeline.Build.Synthesis.Rules;

/// <summary>Reads IAM policy statements whether Action/Principal are written as a string, a list or an object.</summary>
public sealed record PolicyStatements(bool Allows, IReadOnlyList<string> Actions, bool HasAnyonePrincipal)
{
    public static IEnumerable<PolicyStatements> Of(JsonElement document)
    {
        if (document.ValueKind != JsonValueKind.Object || !document.TryGetProperty("Statement", out var statements))
            yield break;
        var list = statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray().ToList() : [statements];
        foreach (var statement in list.Where(s => s.ValueKind == JsonValueKind.Object))
        {
            var allows = statement.TryGetProperty("Effect", out var effect) && effect.GetString() == "Allow";
            var actions = statement.TryGetProperty("Action", out var action) ? Strings(action).ToList() : [];
            var anyone = statement.TryGetProperty("Principal", out var principal) && IsAnyone(principal);
            yield return new PolicyStatements(allows, actions, anyone);
        }
    }

    static bool IsAnyone(JsonElement principal) => principal.ValueKind switch
    {
        JsonValueKind.String => principal.GetString() == "*",
        JsonValueKind.Object => principal.EnumerateObject().Any(p => Strings(p.Value).Contains("*")),
        _ => false,
    };

    static IEnumerable<string> Strings(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => [value.GetString()!],
        JsonValueKind.Array => value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!),
        _ => [],
    };
}
