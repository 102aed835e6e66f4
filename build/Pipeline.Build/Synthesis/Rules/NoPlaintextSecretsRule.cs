using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Build.Synthesis.Rules;

/// <summary>
/// Secrets reach containers through <c>Secrets</c> (Secrets Manager / SSM), never as plain environment values in the
/// template: a manifest declares them under <c>secrets</c>, by reference.
/// </summary>
public sealed partial class NoPlaintextSecretsRule : ITemplateRule
{
    public string Id => "Pipeline-ECS2";

    public string Description => "Container environments hold no plaintext secrets.";

    public IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources, TemplateContext context)
    {
        foreach (var task in resources.Where(r => r.Type == "AWS::ECS::TaskDefinition"))
            foreach (var container in task.Items("ContainerDefinitions"))
            {
                if (!container.TryGetProperty("Environment", out var environment) || environment.ValueKind != JsonValueKind.Array)
                    continue;
                foreach (var variable in environment.EnumerateArray())
                {
                    var name = variable.TryGetProperty("Name", out var n) ? n.GetString() ?? "" : "";
                    var value = variable.TryGetProperty("Value", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";
                    if (SecretName().IsMatch(name) || SecretValue().IsMatch(value))
                        yield return new RuleViolation(Id, task.LogicalId,
                            $"container environment variable '{name}' looks like a secret in plain text. Remove it from \"environment\" in " +
                            $"{(context.Service is { } service ? TemplateContext.ManifestPathOf(service) : "the service's manifest")} and declare it under " +
                            $"\"secrets\" instead, by reference (\"{name}\": \"ssm:/apigw/{{env}}/{Kebab(name)}\" or \"secretsmanager:apigw/{{env}}/<secret>[:<json key>]\"); " +
                            "keep the value in SSM Parameter Store (SecureString) or Secrets Manager.");
                }
            }
    }

    /// <summary><c>DB_PASSWORD</c> → <c>db-password</c>, a parameter name for the example.</summary>
    static string Kebab(string variable) => variable.ToLowerInvariant().Replace('_', '-');

    [GeneratedRegex("(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    // AWS access key ids and PEM private keys are unmistakable whatever the variable is called.
    [GeneratedRegex("(AKIA|ASIA)[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----")]
    private static partial Regex SecretValue();
}
