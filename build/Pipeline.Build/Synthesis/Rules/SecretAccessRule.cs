using System.Text;
using System.Text.Json;
using Pipeline.Manifests;

namespace Pipeline.Build.Synthesis.Rules;

/// <summary>
/// A task execution role may read the secrets its service declares and nothing else: <c>ssm:GetParameters</c> on the
/// declared parameters, <c>secretsmanager:GetSecretValue</c> on the declared secrets, <c>kms:Decrypt</c> only on the
/// manifest's <c>secretsKmsKey</c>. Every SSM, Secrets Manager and KMS grant on an execution role's policies is checked
/// against the manifest: a wildcard, another ARN, another action or a key the manifest does not name is a violation.
/// (The task role, the application's own identity, is not what ECS uses to inject secrets.)
/// </summary>
public sealed class SecretAccessRule : ITemplateRule
{
    static readonly string[] SecretServices = ["ssm:", "secretsmanager:", "kms:"];

    public string Id => "Pipeline-SEC1";

    public string Description => "Task execution roles read exactly the secrets their service's manifest declares.";

    public IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources, TemplateContext context)
    {
        var byId = resources.ToDictionary(r => r.LogicalId, StringComparer.Ordinal);
        var executionRoles = resources.Where(r => r.Type == "AWS::ECS::TaskDefinition")
            .Select(task => RoleIdOf(task.Property("ExecutionRoleArn")))
            .OfType<string>()
            .Where(id => byId.TryGetValue(id, out var role) && role.Type == "AWS::IAM::Role")
            .ToHashSet(StringComparer.Ordinal);
        if (executionRoles.Count == 0)
            yield break;

        var service = context.Service;
        var secrets = service?.SecretReferencesFor(context.Environment) ?? [];
        var allowed = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase)
        {
            [SecretArns.ReadAction(SecretStore.Ssm)] = Resources(secrets, SecretStore.Ssm),
            [SecretArns.ReadAction(SecretStore.SecretsManager)] = Resources(secrets, SecretStore.SecretsManager),
            [SecretArns.KmsAction] = service?.SecretsKmsKey is { } key ? [key] : [],
        };
        var declared = service is null ? $"stack {context.StackName} belongs to no service, so it may read no secret"
            : secrets.Count == 0 ? $"{TemplateContext.ManifestPathOf(service)} declares no secrets"
            : $"{TemplateContext.ManifestPathOf(service)} declares {string.Join(", ", secrets.Select(s => s.Reference))}" +
              (service.SecretsKmsKey is null ? "" : $" and secretsKmsKey {service.SecretsKmsKey}");

        foreach (var (holder, document) in PoliciesOf(resources, executionRoles))
            foreach (var statement in PolicyStatements.Of(document).Where(s => s.Allows))
            {
                var secretActions = statement.Actions.Where(a => SecretServices.Any(p => a.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList();
                if (secretActions.Count == 0)
                    continue;
                if (statement.HasNotResource)
                {
                    yield return new RuleViolation(Id, holder.LogicalId,
                        $"the execution role may {string.Join(", ", secretActions)} on NotResource (everything but a list). Name the declared ARNs in Resource; {declared}.");
                    continue;
                }
                foreach (var action in secretActions)
                {
                    if (!allowed.TryGetValue(action, out var arns))
                    {
                        yield return new RuleViolation(Id, holder.LogicalId,
                            $"the execution role may {action}, which ECS does not use to inject secrets. Grant only " +
                            $"{SecretArns.ReadAction(SecretStore.Ssm)}, {SecretArns.ReadAction(SecretStore.SecretsManager)} and {SecretArns.KmsAction}; {declared}.");
                        continue;
                    }
                    if (action.Equals(SecretArns.KmsAction, StringComparison.OrdinalIgnoreCase) && arns.Count == 0)
                    {
                        yield return new RuleViolation(Id, holder.LogicalId,
                            $"the execution role may {action}, but the manifest names no secretsKmsKey (the AWS-managed keys need no grant). " +
                            $"Remove the grant, or set \"secretsKmsKey\" in {(service is null ? "the service's manifest" : TemplateContext.ManifestPathOf(service))} to the key that encrypts its secrets.");
                        continue;
                    }
                    foreach (var resource in statement.Resources)
                    {
                        var arn = Render(resource);
                        if (arn is not null && arns.Contains(arn))
                            continue;
                        var shown = arn ?? resource.GetRawText();
                        var what = arn == "*" ? "every resource ('*')" : shown;
                        yield return new RuleViolation(Id, holder.LogicalId,
                            $"the execution role may {action} on {what}, which is not a declared secret; {declared}. " +
                            "Grant exactly the declared ARNs, or declare the secret in the manifest's \"secrets\".");
                    }
                }
            }
    }

    static HashSet<string> Resources(IReadOnlyList<SecretReference> secrets, SecretStore store) =>
        secrets.Where(s => s.Store == store).Select(SecretArns.PolicyResource).ToHashSet(StringComparer.Ordinal);

    /// <summary>The role behind <c>{"Fn::GetAtt": [role, "Arn"]}</c> or <c>{"Ref": role}</c>.</summary>
    static string? RoleIdOf(JsonElement? value)
    {
        if (value is not { ValueKind: JsonValueKind.Object } v) return null;
        if (v.TryGetProperty("Fn::GetAtt", out var getAtt) && getAtt.ValueKind == JsonValueKind.Array && getAtt.GetArrayLength() > 0)
            return getAtt[0].GetString();
        return v.TryGetProperty("Ref", out var reference) ? reference.GetString() : null;
    }

    /// <summary>Every policy document on the roles: their inline policies and the AWS::IAM::Policy/ManagedPolicy resources attached to them.</summary>
    static IEnumerable<(TemplateResource Holder, JsonElement Document)> PoliciesOf(IReadOnlyList<TemplateResource> resources, IReadOnlySet<string> roles)
    {
        foreach (var resource in resources)
        {
            if (resource.Type == "AWS::IAM::Role" && roles.Contains(resource.LogicalId))
                foreach (var inline in resource.Items("Policies"))
                    if (inline.TryGetProperty("PolicyDocument", out var document))
                        yield return (resource, document);
            if (resource.Type is "AWS::IAM::Policy" or "AWS::IAM::ManagedPolicy" &&
                resource.Items("Roles").Any(r => RoleIdOf(r) is { } id && roles.Contains(id)) &&
                resource.Property("PolicyDocument") is { } attached)
                yield return (resource, attached);
        }
    }

    /// <summary>
    /// An ARN as the CDK app writes it (<see cref="SecretArns"/>: an <c>Fn::Sub</c> string with <c>${AWS::Partition}</c> and
    /// friends), whichever way the template spells it: a literal, <c>Fn::Sub</c>, or <c>Fn::Join</c> of literals and pseudo
    /// parameters. Null when it depends on anything else, which cannot be compared with a declaration.
    /// </summary>
    static string? Render(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString();
            case JsonValueKind.Object when value.TryGetProperty("Ref", out var reference) && reference.GetString() is { } name && name.StartsWith("AWS::", StringComparison.Ordinal):
                return "${" + name + "}";
            case JsonValueKind.Object when value.TryGetProperty("Fn::Sub", out var sub):
                if (sub.ValueKind == JsonValueKind.String)
                    return sub.GetString();
                if (sub.ValueKind != JsonValueKind.Array || sub.GetArrayLength() != 2 || sub[0].GetString() is not { } format)
                    return null;
                foreach (var variable in sub[1].EnumerateObject())
                {
                    if (Render(variable.Value) is not { } text)
                        return null;
                    format = format.Replace("${" + variable.Name + "}", text, StringComparison.Ordinal);
                }
                return format;
            case JsonValueKind.Object when value.TryGetProperty("Fn::Join", out var join) && join.ValueKind == JsonValueKind.Array && join.GetArrayLength() == 2:
                var parts = new StringBuilder();
                var separator = join[0].GetString() ?? "";
                var first = true;
                foreach (var part in join[1].EnumerateArray())
                {
                    if (Render(part) is not { } text)
                        return null;
                    parts.Append(first ? "" : separator).Append(text);
                    first = false;
                }
                return parts.ToString();
            default:
                return null;
        }
    }
}
