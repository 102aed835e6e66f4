using System.Text.Json;

namespace Pipeline.Build.Synthesis.Rules;

/// <summary>Reads IAM policy statements whether Action/Principal/Resource are written as a string, a list or an object.</summary>
public sealed record PolicyStatements(bool Allows, IReadOnlyList<string> Actions, bool HasAnyonePrincipal)
{
    /// <summary>The statement's <c>Resource</c> entries as written (strings or CloudFormation expressions).</summary>
    public IReadOnlyList<JsonElement> Resources { get; init; } = [];

    /// <summary>Whether the statement uses <c>NotResource</c> (everything except ...), which no least-privilege grant needs.</summary>
    public bool HasNotResource { get; init; }

    /// <summary>The permission policy documents a resource carries: a policy's own, or a role's, user's or group's inline ones.</summary>
    public static IEnumerable<JsonElement> DocumentsOf(TemplateResource resource)
    {
        switch (resource.Type)
        {
            case "AWS::IAM::Policy":
            case "AWS::IAM::ManagedPolicy":
                if (resource.Property("PolicyDocument") is { } document)
                    yield return document;
                break;
            case "AWS::IAM::Role":
            case "AWS::IAM::User":
            case "AWS::IAM::Group":
                foreach (var inline in resource.Items("Policies"))
                    if (inline.TryGetProperty("PolicyDocument", out var inlineDocument))
                        yield return inlineDocument;
                break;
        }
    }

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
            var resources = statement.TryGetProperty("Resource", out var resource)
                ? resource.ValueKind == JsonValueKind.Array ? resource.EnumerateArray().ToList() : [resource]
                : [];
            yield return new PolicyStatements(allows, actions, anyone)
            {
                Resources = resources,
                HasNotResource = statement.TryGetProperty("NotResource", out _),
            };
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
