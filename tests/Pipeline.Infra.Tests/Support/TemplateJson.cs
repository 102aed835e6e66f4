using System.Text.Json;

namespace Pipeline.Infra.Tests.Support;

/// <summary>Read-only helpers over a synthesized template, for assertions about relations between resources.</summary>
public sealed class TemplateJson(string json)
{
    readonly JsonDocument _document = JsonDocument.Parse(json);
    IReadOnlyDictionary<string, string>? _ssmParameters;

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

    /// <summary>The template's outputs (none: empty).</summary>
    public IEnumerable<(string Name, JsonElement Value)> Outputs() =>
        Root.TryGetProperty("Outputs", out var outputs)
            ? outputs.EnumerateObject().Select(o => (o.Name, o.Value))
            : [];

    /// <summary>The template's SSM-typed parameters (<c>AWS::SSM::Parameter::Value&lt;...&gt;</c>): logical id → the SSM path (its default).</summary>
    public IReadOnlyDictionary<string, string> SsmParameters() => _ssmParameters ??=
        Root.TryGetProperty("Parameters", out var parameters)
            ? parameters.EnumerateObject()
                .Where(p => p.Value.GetProperty("Type").GetString()!.StartsWith(SsmParameterType, StringComparison.Ordinal))
                .ToDictionary(p => p.Name, p => p.Value.GetProperty("Default").GetString()!)
            : new Dictionary<string, string>();

    public const string SsmParameterType = "AWS::SSM::Parameter::Value<";

    /// <summary>Every SSM path this template reads (through an SSM-typed template parameter).</summary>
    public IReadOnlyList<string> ReadParameterPaths() => SsmParameters().Values.Distinct().ToList();

    /// <summary>The <c>AWS::SSM::Parameter</c> resources this template writes: SSM path → the value it stores.</summary>
    public IReadOnlyDictionary<string, JsonElement> PublishedParameters() =>
        OfType("AWS::SSM::Parameter").ToDictionary(p => p.Properties.GetProperty("Name").GetString()!, p => p.Properties.GetProperty("Value"));

    /// <summary>How the rules below name a security group whose id comes from an SSM parameter (another stack's value).</summary>
    public static string FromParameter(string path) => "ssm:" + path;

    /// <summary>The SSM path behind <c>{"Ref": p}</c> when <c>p</c> is an SSM-typed template parameter.</summary>
    public string? ParameterPathOf(JsonElement value) =>
        value.ValueKind == JsonValueKind.Object && value.TryGetProperty("Ref", out var r) && SsmParameters().TryGetValue(r.GetString()!, out var path)
            ? path
            : null;

    /// <summary>A security group reference: its logical id in this template, or <see cref="FromParameter"/> for one read from SSM.</summary>
    public string? SecurityGroupRef(JsonElement value) =>
        ParameterPathOf(value) is { } path ? FromParameter(path) : ReferencedId(value);

    /// <summary>
    /// Every ingress rule in this template on a security group (a logical id, or <see cref="FromParameter"/> for one read from SSM),
    /// as the source it allows (a security group reference or a CIDR).
    /// </summary>
    public IReadOnlyList<string> IngressSourcesOf(string securityGroup)
    {
        var sources = new List<string>();
        if (Root.GetProperty("Resources").TryGetProperty(securityGroup, out var group) &&
            group.GetProperty("Properties").TryGetProperty("SecurityGroupIngress", out var inline))
            foreach (var rule in inline.EnumerateArray())
                sources.Add(Source(rule));
        foreach (var (_, rule) in OfType("AWS::EC2::SecurityGroupIngress"))
            if (SecurityGroupRef(rule.GetProperty("GroupId")) == securityGroup)
                sources.Add(Source(rule));
        return sources;
    }

    /// <summary>Every standalone egress rule in this template from a security group, as the security group it may reach.</summary>
    public IReadOnlyList<string> EgressDestinationsOf(string securityGroup) =>
        OfType("AWS::EC2::SecurityGroupEgress")
            .Where(e => SecurityGroupRef(e.Properties.GetProperty("GroupId")) == securityGroup)
            .Select(e => e.Properties.TryGetProperty("DestinationSecurityGroupId", out var d) ? SecurityGroupRef(d)! : Cidr(e.Properties))
            .ToList();

    /// <summary>The security groups that standalone ingress rules in this template open (logical ids or <see cref="FromParameter"/>).</summary>
    public IReadOnlyList<string> GroupsWithIngressRules() =>
        OfType("AWS::EC2::SecurityGroupIngress").Select(r => SecurityGroupRef(r.Properties.GetProperty("GroupId"))!).Distinct().ToList();

    string Source(JsonElement rule) =>
        rule.TryGetProperty("SourceSecurityGroupId", out var sg) ? SecurityGroupRef(sg)! : Cidr(rule);

    static string Cidr(JsonElement rule) =>
        rule.TryGetProperty("CidrIp", out var cidr) ? cidr.GetString()! :
        rule.TryGetProperty("CidrIpv6", out var cidr6) ? cidr6.GetString()! : "?";

    /// <summary>Every SSM path read (a <c>Ref</c> to an SSM-typed template parameter) anywhere inside <paramref name="value"/>.</summary>
    public IEnumerable<string> ParameterPathsIn(JsonElement value)
    {
        var ssm = SsmParameters();
        return RefsIn(value).Where(ssm.ContainsKey).Select(r => ssm[r]);
    }

    /// <summary>The security group ids listed on a resource (ALB: SecurityGroups; ECS service: its awsvpc configuration).</summary>
    public static IReadOnlyList<string> SecurityGroupsOf(JsonElement properties)
    {
        var list = properties.TryGetProperty("SecurityGroups", out var direct)
            ? direct
            : properties.GetProperty("NetworkConfiguration").GetProperty("AwsvpcConfiguration").GetProperty("SecurityGroups");
        return list.EnumerateArray().Select(v => ReferencedId(v)!).ToList();
    }
}
