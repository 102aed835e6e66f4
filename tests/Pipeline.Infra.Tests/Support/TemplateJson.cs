using System.Text.Json;

namespace Pipeline.Infra.Tests.Support;

/// <summary>Read-only helpers over a synthesized template, for assertions about relations between resources.</summary>
public sealed class TemplateJson(string json)
{
    readonly JsonDocument _document = JsonDocument.Parse(json);

    public string Text { get; } = json;

    public JsonElement Root => _document.RootElement;

    public IEnumerable<(string Id, JsonElement Properties)> OfType(string type) =>
        Root.GetProperty("Resources").EnumerateObject()
            .Where(r => r.Value.GetProperty("Type").GetString() == type)
            .Select(r => (r.Name, r.Value.TryGetProperty("Properties", out var p) ? p : default));

    public JsonElement Resource(string logicalId) => Root.GetProperty("Resources").GetProperty(logicalId);

    /// <summary>The logical id behind <c>{"Fn::GetAtt": [id, attr]}</c> or <c>{"Ref": id}</c>.</summary>
    public static string? ReferencedId(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) return null;
        if (value.TryGetProperty("Ref", out var r)) return r.GetString();
        if (value.TryGetProperty("Fn::GetAtt", out var g)) return g[0].GetString();
        return null;
    }

    /// <summary>Every <c>Ref</c> target anywhere inside <paramref name="value"/>.</summary>
    public static IEnumerable<string> RefsIn(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object when value.TryGetProperty("Ref", out var r) => [r.GetString()!],
        JsonValueKind.Object => value.EnumerateObject().SelectMany(p => RefsIn(p.Value)),
        JsonValueKind.Array => value.EnumerateArray().SelectMany(RefsIn),
        _ => [],
    };

    /// <summary>Every resource whose attribute is read (<c>Fn::GetAtt</c>) anywhere inside <paramref name="value"/>.</summary>
    public static IEnumerable<string> GetAttTargetsIn(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object when value.TryGetProperty("Fn::GetAtt", out var g) => [g[0].GetString()!],
        JsonValueKind.Object => value.EnumerateObject().SelectMany(p => GetAttTargetsIn(p.Value)),
        JsonValueKind.Array => value.EnumerateArray().SelectMany(GetAttTargetsIn),
        _ => [],
    };

    /// <summary>Every ingress rule on a security group, as the source it allows (a security group id or a CIDR).</summary>
    public IReadOnlyList<string> IngressSourcesOf(string securityGroupId)
    {
        var sources = new List<string>();
        if (Resource(securityGroupId).GetProperty("Properties").TryGetProperty("SecurityGroupIngress", out var inline))
            foreach (var rule in inline.EnumerateArray())
                sources.Add(Source(rule));
        foreach (var (_, rule) in OfType("AWS::EC2::SecurityGroupIngress"))
            if (ReferencedId(rule.GetProperty("GroupId")) == securityGroupId)
                sources.Add(Source(rule));
        return sources;
    }

    static string Source(JsonElement rule) =>
        rule.TryGetProperty("SourceSecurityGroupId", out var sg) ? ReferencedId(sg)! :
        rule.TryGetProperty("CidrIp", out var cidr) ? cidr.GetString()! :
        rule.TryGetProperty("CidrIpv6", out var cidr6) ? cidr6.GetString()! : "?";

    /// <summary>The security group ids listed on a resource (ALB: SecurityGroups; ECS service: its awsvpc configuration).</summary>
    public static IReadOnlyList<string> SecurityGroupsOf(JsonElement properties)
    {
        var list = properties.TryGetProperty("SecurityGroups", out var direct)
            ? direct
            : properties.GetProperty("NetworkConfiguration").GetProperty("AwsvpcConfiguration").GetProperty("SecurityGroups");
        return list.EnumerateArray().Select(v => ReferencedId(v)!).ToList();
    }
}
