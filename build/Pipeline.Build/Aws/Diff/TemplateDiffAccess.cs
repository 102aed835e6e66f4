using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Pipeline.Build.Aws.Diff;

/// <summary>
/// Changes between two templates of a stack that widen access, like <c>cdk diff</c>'s broadening warning:
/// <list type="bullet">
/// <item>IAM: a policy statement that grants an action, resource or principal no statement of the same resource granted
/// before (identity policies, role trust policies, resource policies), a Deny that no longer applies, a policy attached to
/// one more role, user or group, a managed policy newly attached;</item>
/// <item>security groups: an ingress or egress rule (inline, standalone, or EC2's implicit allow-all egress of a group with
/// no egress rule at all) that no earlier rule of the same group covers: a new peer, a wider CIDR, a wider port range or protocol;</item>
/// <item>HTTP API routes reachable without an authorizer (AuthorizationType NONE or absent) that were not before.</item>
/// </list>
/// A stack that would be created is compared with nothing, so everything it grants is listed.
/// </summary>
public static class TemplateDiffAccess
{
    public static IReadOnlyList<AccessWidening> Find(JsonElement? deployed, JsonElement planned)
    {
        var before = Resources(deployed);
        var after = Resources(planned);
        var ssm = SsmParameters(planned);
        return Iam(before, after).Concat(SecurityGroups(before, after)).Concat(Routes(before, after))
            .Select(w => w with { Description = NameSsmParameters(w.Description, ssm) })
            .ToList();
    }

    /// <summary>Template parameters that stand for an SSM parameter (another stack's security group, say), by the SSM path they read.</summary>
    static IReadOnlyDictionary<string, string> SsmParameters(JsonElement template) =>
        TemplateDiffer.Section(template, "Parameters")
            .Where(p => TemplateDiffer.Member(p.Value, "Type") is { ValueKind: JsonValueKind.String } type &&
                        type.GetString()!.StartsWith("AWS::SSM::Parameter::Value", StringComparison.Ordinal) &&
                        TemplateDiffer.Member(p.Value, "Default") is { ValueKind: JsonValueKind.String })
            .ToDictionary(p => p.Key, p => "SSM " + TemplateDiffer.Member(p.Value, "Default")!.Value.GetString(), StringComparer.Ordinal);

    /// <summary><c>${SsmParameterValue…}</c> and a group named by such a parameter read as the SSM path behind it.</summary>
    static string NameSsmParameters(string description, IReadOnlyDictionary<string, string> ssm)
    {
        foreach (var (parameter, name) in ssm)
            description = description
                .Replace("${" + parameter + "}", name, StringComparison.Ordinal)
                .Replace($"security group {parameter}:", $"security group {name}:", StringComparison.Ordinal);
        return description;
    }

    sealed record Resource(string LogicalId, string Type, JsonElement Properties)
    {
        public JsonElement? Property(string name) => TemplateDiffer.Member(Properties, name);

        public IEnumerable<JsonElement> Items(string name) =>
            Property(name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];
    }

    static IReadOnlyList<Resource> Resources(JsonElement? template) =>
        TemplateDiffer.Section(template, "Resources")
            .Select(r => new Resource(r.Key,
                TemplateDiffer.Member(r.Value, "Type") is { ValueKind: JsonValueKind.String } type ? type.GetString()! : "",
                TemplateDiffer.Member(r.Value, "Properties") ?? default))
            .ToList();

    // ---------------------------------------------------------------- IAM

    /// <summary>identity: what the owner may do; trust: who may assume the role; resource: who may use the resource.</summary>
    sealed record PolicyDocument(string Kind, JsonElement Document);

    static IEnumerable<PolicyDocument> PolicyDocuments(Resource resource)
    {
        switch (resource.Type)
        {
            case "AWS::IAM::Policy" or "AWS::IAM::ManagedPolicy":
                if (resource.Property("PolicyDocument") is { } document) yield return new PolicyDocument("identity", document);
                break;
            case "AWS::IAM::Role" or "AWS::IAM::User" or "AWS::IAM::Group":
                foreach (var inline in resource.Items("Policies"))
                    if (TemplateDiffer.Member(inline, "PolicyDocument") is { } inlineDocument)
                        yield return new PolicyDocument("identity", inlineDocument);
                if (resource.Property("AssumeRolePolicyDocument") is { } trust)
                    yield return new PolicyDocument("trust", trust);
                break;
            case "AWS::ECR::Repository":
                if (resource.Property("RepositoryPolicyText") is { } repositoryPolicy) yield return new PolicyDocument("resource", repositoryPolicy);
                break;
            case "AWS::S3::BucketPolicy" or "AWS::SNS::TopicPolicy" or "AWS::SQS::QueuePolicy":
                if (resource.Property("PolicyDocument") is { } resourcePolicy) yield return new PolicyDocument("resource", resourcePolicy);
                break;
        }
    }

    /// <summary>One statement, read whether its fields are a string, a list or an intrinsic.</summary>
    sealed record Statement(JsonElement Raw, bool Allows, bool Negated, IReadOnlyList<JsonElement> Actions,
        IReadOnlyList<JsonElement> Resources, IReadOnlyList<(string Type, JsonElement Value)> Principals, JsonElement? Condition);

    /// <summary>One action on one resource for one principal under one condition.</summary>
    sealed record Grant(Statement Statement, JsonElement Action, JsonElement? Resource, (string Type, JsonElement Value)? Principal);

    static IEnumerable<Statement> Statements(JsonElement document)
    {
        if (TemplateDiffer.Member(document, "Statement") is not { } statements)
            yield break;
        foreach (var statement in statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray().ToList() : [statements])
        {
            if (statement.ValueKind != JsonValueKind.Object) continue;
            var effect = TemplateDiffer.Member(statement, "Effect");
            var negated = new[] { "NotAction", "NotResource", "NotPrincipal" }.Any(n => TemplateDiffer.Member(statement, n) is not null);
            var principals = new List<(string, JsonElement)>();
            if (TemplateDiffer.Member(statement, "Principal") is { } principal)
            {
                if (principal.ValueKind == JsonValueKind.Object && !TemplateDiffer.IsIntrinsic(principal))
                    foreach (var member in principal.EnumerateObject())
                        principals.AddRange(List(member.Value).Select(v => (member.Name, v)));
                else
                    principals.Add(("AWS", principal));
            }
            yield return new Statement(statement, effect is { ValueKind: JsonValueKind.String } e && e.GetString() == "Allow", negated,
                List(TemplateDiffer.Member(statement, "Action")), List(TemplateDiffer.Member(statement, "Resource")), principals,
                TemplateDiffer.Member(statement, "Condition"));
        }
    }

    static IReadOnlyList<JsonElement> List(JsonElement? value) => value switch
    {
        null => [],
        { ValueKind: JsonValueKind.Array } array => array.EnumerateArray().ToList(),
        { } single => [single],
    };

    static IEnumerable<Grant> Grants(Statement statement) =>
        from action in statement.Actions
        from resource in statement.Resources.Count == 0 ? [null] : statement.Resources.Select(r => (JsonElement?)r)
        from principal in statement.Principals.Count == 0 ? [null] : statement.Principals.Select(p => ((string, JsonElement)?)p)
        select new Grant(statement, action, resource, principal);

    /// <summary>Whether <paramref name="wider"/> allows (or denies) at least what <paramref name="narrower"/> does.</summary>
    static bool Covers(Grant wider, Grant narrower) =>
        Matches(wider.Action, narrower.Action, ignoreCase: true) &&
        (wider.Resource is null || narrower.Resource is null
            ? wider.Resource is null && narrower.Resource is null
            : Matches(wider.Resource.Value, narrower.Resource.Value, ignoreCase: false)) &&
        (wider.Principal is null || narrower.Principal is null
            ? wider.Principal is null && narrower.Principal is null
            : IsAnyone(wider.Principal.Value.Value) ||
              (wider.Principal.Value.Type == narrower.Principal.Value.Type && TemplateDiffer.Equal(wider.Principal.Value.Value, narrower.Principal.Value.Value))) &&
        (wider.Statement.Condition is null ||
         (narrower.Statement.Condition is { } condition && TemplateDiffer.Equal(wider.Statement.Condition.Value, condition)));

    /// <summary>Equal values, or a plain-string pattern (<c>*</c>, <c>?</c>) that matches a plain string; <c>*</c> matches anything.</summary>
    static bool Matches(JsonElement pattern, JsonElement value, bool ignoreCase)
    {
        if (pattern.ValueKind == JsonValueKind.String && pattern.GetString() == "*")
            return true;
        if (pattern.ValueKind == JsonValueKind.String && value.ValueKind == JsonValueKind.String)
            return Glob(pattern.GetString()!, value.GetString()!, ignoreCase);
        return TemplateDiffer.Equal(pattern, value);
    }

    static bool Glob(string pattern, string text, bool ignoreCase)
    {
        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*").Replace("\\?", ".") + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(text, regex,
            ignoreCase ? System.Text.RegularExpressions.RegexOptions.IgnoreCase : System.Text.RegularExpressions.RegexOptions.None);
    }

    static bool IsAnyone(JsonElement principal) => principal.ValueKind == JsonValueKind.String && principal.GetString() == "*";

    static IEnumerable<AccessWidening> Iam(IReadOnlyList<Resource> before, IReadOnlyList<Resource> after)
    {
        var oldById = before.ToDictionary(r => r.LogicalId, StringComparer.Ordinal);
        foreach (var resource in after)
        {
            var old = oldById.GetValueOrDefault(resource.LogicalId);
            var documents = PolicyDocuments(resource).ToList();
            var oldDocuments = old is null ? [] : PolicyDocuments(old).ToList();
            foreach (var kind in documents.Select(d => d.Kind).Concat(oldDocuments.Select(d => d.Kind)).Distinct())
            {
                var statements = documents.Where(d => d.Kind == kind).SelectMany(d => Statements(d.Document)).ToList();
                var oldStatements = oldDocuments.Where(d => d.Kind == kind).SelectMany(d => Statements(d.Document)).ToList();
                var oldAllows = oldStatements.Where(s => s.Allows && !s.Negated).SelectMany(Grants).ToList();
                foreach (var statement in statements.Where(s => s.Allows))
                {
                    if (statement.Negated)
                    {
                        if (!oldStatements.Any(o => TemplateDiffer.Equal(o.Raw, statement.Raw)))
                            yield return Widening(resource, $"{Subject(kind)}grants everything except what it names: {TemplateDiffer.Render(statement.Raw)}");
                        continue;
                    }
                    var grants = Grants(statement).ToList();
                    var uncovered = grants.Where(g => !oldAllows.Any(o => Covers(o, g))).ToList();
                    if (uncovered.Count > 0)
                        yield return Widening(resource, Describe(kind, uncovered, whole: uncovered.Count == grants.Count));
                }
                var denies = statements.Where(s => !s.Allows && !s.Negated).SelectMany(Grants).ToList();
                foreach (var oldDeny in oldStatements.Where(s => !s.Allows && !s.Negated))
                {
                    var lifted = Grants(oldDeny).Where(g => !denies.Any(d => Covers(d, g))).ToList();
                    if (lifted.Count > 0)
                        yield return Widening(resource, $"{Subject(kind)}no longer denies {Actions(lifted)}{On(lifted)}{By(lifted)}");
                }
            }
            foreach (var property in new[] { "Roles", "Users", "Groups" })
                if (resource.Type is "AWS::IAM::Policy" or "AWS::IAM::ManagedPolicy" && old is not null)
                    foreach (var added in resource.Items(property).Where(a => !old.Items(property).Any(o => TemplateDiffer.Equal(o, a))))
                        yield return Widening(resource, $"now also applies to {property.TrimEnd('s').ToLowerInvariant()} {TemplateReferences.Readable(added)}");
            foreach (var arn in resource.Items("ManagedPolicyArns").Where(a => old is null || !old.Items("ManagedPolicyArns").Any(o => TemplateDiffer.Equal(o, a))))
                yield return Widening(resource, $"attaches managed policy {TemplateReferences.Readable(arn)}{(IsAdministrator(arn) ? " (wildcard: administrator access)" : "")}");
        }
    }

    static bool IsAdministrator(JsonElement arn) => TemplateReferences.Readable(arn).EndsWith("/AdministratorAccess", StringComparison.Ordinal);

    static string Subject(string kind) => kind switch { "trust" => "trust policy: ", "resource" => "resource policy: ", _ => "" };

    static string Describe(string kind, IReadOnlyList<Grant> grants, bool whole)
    {
        var wildcard = grants.Any(g =>
            (g.Action.ValueKind == JsonValueKind.String && g.Action.GetString()!.Contains('*')) ||
            (g.Resource is { ValueKind: JsonValueKind.String } r && r.GetString() == "*") ||
            (g.Principal is { } p && IsAnyone(p.Value)));
        var condition = grants[0].Statement.Condition is { } c ? $" when {TemplateDiffer.Render(c)}" : "";
        var text = kind == "trust"
            ? $"trust policy: may be assumed by {Principals(grants)}{(grants.All(g => g.Action.ValueKind == JsonValueKind.String && g.Action.GetString() == "sts:AssumeRole") ? "" : $" ({Actions(grants)})")}"
            : $"{Subject(kind)}{(whole ? "grants" : "now also grants")} {Actions(grants)}{On(grants)}{By(grants)}";
        return text + condition + (wildcard ? " (wildcard)" : "");
    }

    static string Actions(IEnumerable<Grant> grants) =>
        string.Join(", ", grants.Select(g => TemplateReferences.Readable(g.Action)).Distinct(StringComparer.Ordinal));

    static string On(IEnumerable<Grant> grants)
    {
        var resources = grants.Where(g => g.Resource is not null).Select(g => TemplateReferences.Readable(g.Resource!.Value)).Distinct(StringComparer.Ordinal).ToList();
        return resources.Count == 0 ? "" : " on " + string.Join(", ", resources);
    }

    static string By(IEnumerable<Grant> grants)
    {
        var principals = Principals(grants);
        return principals.Length == 0 ? "" : " to " + principals;
    }

    static string Principals(IEnumerable<Grant> grants) =>
        string.Join(", ", grants.Where(g => g.Principal is not null)
            .Select(g => IsAnyone(g.Principal!.Value.Value) ? "anyone (*)" : $"{g.Principal.Value.Type} {TemplateReferences.Readable(g.Principal.Value.Value)}")
            .Distinct(StringComparer.Ordinal));

    // ---------------------------------------------------------------- security groups

    sealed record Rule(Resource Declarer, string Group, string Direction, string PeerKind, JsonElement? Peer, string PeerText,
        string Protocol, int? From, int? To, JsonElement? RawFrom, JsonElement? RawTo, bool Implicit);

    static readonly JsonElement AnyIpv4 = JsonDocument.Parse("\"0.0.0.0/0\"").RootElement.Clone();

    static IEnumerable<Rule> Rules(IReadOnlyList<Resource> resources)
    {
        // EC2 gives a new group an allow-all egress rule, which goes once the group has an egress rule of its own, inline
        // or as a standalone resource (as the CDK relies on when it drops its placeholder rule).
        var standaloneEgress = resources.Where(r => r.Type == "AWS::EC2::SecurityGroupEgress").Select(r => GroupOf(r.Property("GroupId"))).ToHashSet(StringComparer.Ordinal);
        foreach (var resource in resources)
        {
            switch (resource.Type)
            {
                case "AWS::EC2::SecurityGroup":
                    foreach (var rule in resource.Items("SecurityGroupIngress"))
                        yield return ReadRule(resource, resource.LogicalId, "ingress", rule);
                    if (resource.Property("SecurityGroupEgress") is not { ValueKind: JsonValueKind.Array } declared || declared.GetArrayLength() == 0)
                        if (!standaloneEgress.Contains(resource.LogicalId))
                            yield return new Rule(resource, resource.LogicalId, "egress", "cidr", AnyIpv4, "0.0.0.0/0", "-1", 0, 65535, null, null, Implicit: true);
                    foreach (var rule in resource.Items("SecurityGroupEgress"))
                        yield return ReadRule(resource, resource.LogicalId, "egress", rule);
                    break;
                case "AWS::EC2::SecurityGroupIngress":
                    yield return ReadRule(resource, GroupOf(resource.Property("GroupId")), "ingress", resource.Properties);
                    break;
                case "AWS::EC2::SecurityGroupEgress":
                    yield return ReadRule(resource, GroupOf(resource.Property("GroupId")), "egress", resource.Properties);
                    break;
            }
        }
    }

    /// <summary>The group a standalone rule belongs to: its logical id when it refers to one of the stack's groups.</summary>
    static string GroupOf(JsonElement? groupId)
    {
        if (groupId is not { } id) return "(no group)";
        if (TemplateDiffer.Member(id, "Ref") is { ValueKind: JsonValueKind.String } reference)
            return reference.GetString()!;
        if (TemplateDiffer.Member(id, "Fn::GetAtt") is { ValueKind: JsonValueKind.Array } getAtt && getAtt.GetArrayLength() == 2 &&
            getAtt[0].ValueKind == JsonValueKind.String && getAtt[1].GetString() == "GroupId")
            return getAtt[0].GetString()!;
        return TemplateReferences.Readable(id);
    }

    static Rule ReadRule(Resource declarer, string group, string direction, JsonElement rule)
    {
        var (kind, peer) = new[]
        {
            ("CidrIp", "cidr"), ("CidrIpv6", "cidr"),
            ("SourceSecurityGroupId", "security group"), ("DestinationSecurityGroupId", "security group"),
            ("SourceSecurityGroupName", "security group"), ("SourcePrefixListId", "prefix list"), ("DestinationPrefixListId", "prefix list"),
        }.Select(p => (p.Item2, TemplateDiffer.Member(rule, p.Item1))).FirstOrDefault(p => p.Item2 is not null, ("none", null));
        var protocol = Protocol(TemplateDiffer.Member(rule, "IpProtocol"));
        var rawFrom = TemplateDiffer.Member(rule, "FromPort");
        var rawTo = TemplateDiffer.Member(rule, "ToPort");
        int? from = Port(rawFrom), to = Port(rawTo);
        if (protocol == "-1" || (rawFrom is null && rawTo is null) || from == -1)
            (from, to) = (0, 65535);
        var text = peer is null ? "(no peer)" : kind == "cidr" ? TemplateReferences.Readable(peer.Value) : $"{kind} {TemplateReferences.Readable(peer.Value)}";
        return new Rule(declarer, group, direction, kind, peer, text, protocol, from, to, rawFrom, rawTo, Implicit: false);
    }

    static string Protocol(JsonElement? value)
    {
        var text = value is null ? "-1" : TemplateReferences.Readable(value.Value).ToLowerInvariant();
        return text switch { "-1" or "all" => "-1", "6" => "tcp", "17" => "udp", "1" => "icmp", "58" => "icmpv6", _ => text };
    }

    static int? Port(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.Number } number when number.TryGetInt32(out var port) => port,
        { ValueKind: JsonValueKind.String } text when int.TryParse(text.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) => port,
        _ => null,
    };

    static bool SamePeer(Rule a, Rule b) =>
        a.PeerKind == b.PeerKind && (a.Peer is null ? b.Peer is null : b.Peer is not null && TemplateDiffer.Equal(a.Peer.Value, b.Peer.Value));

    static bool PeerCovers(Rule wider, Rule narrower)
    {
        if (wider.PeerKind != narrower.PeerKind) return false;
        if (SamePeer(wider, narrower)) return true;
        return wider.PeerKind == "cidr" && Cidr(wider.Peer) is { } outer && Cidr(narrower.Peer) is { } inner &&
               outer.BaseAddress.AddressFamily == inner.BaseAddress.AddressFamily &&
               outer.PrefixLength <= inner.PrefixLength && outer.Contains(inner.BaseAddress);
    }

    static IPNetwork? Cidr(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.String } text && IPNetwork.TryParse(text.GetString(), out var network) ? network : null;

    static bool Covers(Rule wider, Rule narrower) =>
        wider.Group == narrower.Group && wider.Direction == narrower.Direction && PeerCovers(wider, narrower) &&
        (wider.Protocol == "-1" || wider.Protocol == narrower.Protocol) &&
        (wider.From is { } from && wider.To is { } to && narrower.From is { } innerFrom && narrower.To is { } innerTo
            ? from <= innerFrom && to >= innerTo
            : Same(wider.RawFrom, narrower.RawFrom) && Same(wider.RawTo, narrower.RawTo));

    static bool Same(JsonElement? a, JsonElement? b) => a is null ? b is null : b is not null && TemplateDiffer.Equal(a.Value, b.Value);

    static string Ports(Rule rule) => rule.Protocol == "-1"
        ? "all traffic"
        : rule.From is { } from && rule.To is { } to
            ? from == 0 && to == 65535 ? $"{rule.Protocol} all ports" : from == to ? $"{rule.Protocol} {from}" : $"{rule.Protocol} {from}-{to}"
            : $"{rule.Protocol} {(rule.RawFrom is { } f ? TemplateReferences.Readable(f) : "?")}-{(rule.RawTo is { } t ? TemplateReferences.Readable(t) : "?")}";

    static string Peer(Rule rule) => $"{(rule.Direction == "ingress" ? "ingress from" : "egress to")} {rule.PeerText}";

    static IEnumerable<AccessWidening> SecurityGroups(IReadOnlyList<Resource> before, IReadOnlyList<Resource> after)
    {
        var oldRules = Rules(before).ToList();
        foreach (var rule in Rules(after))
        {
            if (oldRules.Any(o => Covers(o, rule)))
                continue;
            var open = rule.PeerKind == "cidr" && rule.Peer is { ValueKind: JsonValueKind.String } cidr && cidr.GetString() is "0.0.0.0/0" or "::/0";
            // An earlier rule of the same group for the same peer, or one this rule covers: this one widens it.
            var earlier = oldRules.Where(o => o.Group == rule.Group && o.Direction == rule.Direction && (SamePeer(o, rule) || Covers(rule, o))).ToList();
            var what = $"{Peer(rule)} on {Ports(rule)}";
            // A standalone rule names the group it opens; a group's own rule needs no such prefix.
            var group = rule.Declarer.LogicalId == rule.Group ? "" : $"security group {rule.Group}: ";
            var text = earlier.Count > 0
                ? $"{group}widens {what} (was {string.Join("; ", earlier.Select(o => $"{o.PeerText} on {Ports(o)}"))})"
                : $"{group}adds {what}";
            if (rule.Implicit)
                text += " (the group has no egress rule, so EC2 allows all outbound traffic)";
            if (open)
                text += rule.Direction == "ingress" ? " (open to the internet)" : " (to anywhere)";
            yield return Widening(rule.Declarer, text);
        }
    }

    // ---------------------------------------------------------------- HTTP API routes

    static IEnumerable<AccessWidening> Routes(IReadOnlyList<Resource> before, IReadOnlyList<Resource> after)
    {
        static string Key(Resource route) =>
            $"{TemplateDiffer.Render(route.Property("ApiId"))} {TemplateDiffer.Render(route.Property("RouteKey"))}";
        static string Authorization(Resource route) =>
            route.Property("AuthorizationType") is { } type ? TemplateReferences.Readable(type) : "absent";
        static bool Open(Resource route) => Authorization(route) is "NONE" or "absent";

        var oldRoutes = before.Where(r => r.Type == "AWS::ApiGatewayV2::Route").GroupBy(Key).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var route in after.Where(r => r.Type == "AWS::ApiGatewayV2::Route" && Open(r)))
        {
            var old = oldRoutes.GetValueOrDefault(Key(route));
            if (old is not null && Open(old))
                continue;
            var routeKey = route.Property("RouteKey") is { } key ? TemplateReferences.Readable(key) : "(no route key)";
            yield return Widening(route, $"route {routeKey} is reachable without an authorizer (AuthorizationType {Authorization(route)}; " +
                                         (old is null ? "new route)" : $"was {Authorization(old)})"));
        }
    }

    static AccessWidening Widening(Resource resource, string description) => new(resource.LogicalId, resource.Type, description);
}

/// <summary>One change that widens access, on the resource that declares it.</summary>
public sealed record AccessWidening(string LogicalId, string ResourceType, string Description)
{
    public override string ToString() => $"{LogicalId} ({ResourceType}): {Description}";
}
