using System.Text.Json;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

/// <summary>
/// A service that declares secrets (<see cref="SynthesizedInfra.SecretService"/>: an SSM parameter and one key of a Secrets
/// Manager secret, encrypted with a customer key) gets them as ECS container secrets by ARN, and its task execution role may
/// read exactly those ARNs and decrypt with exactly that key.
/// </summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed class ServiceSecretsTests(SynthesizedInfra infra)
{
    const string ParameterArn = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/apigw/dev/vault/api-key";
    const string SecretArn = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:apigw/dev/vault/db";

    ServiceManifest Vault => infra.WithSecrets.Catalog[SynthesizedInfra.SecretService];

    TemplateJson VaultTemplate => infra.WithSecrets.ServiceJson(Vault);

    [ToolFact("node")]
    public void Declared_secrets_become_container_secrets_with_value_from_arns()
    {
        var container = infra.WithSecrets.ContainerOf(Vault);

        container.GetProperty("Secrets").EnumerateArray()
            .Select(s => (s.GetProperty("Name").GetString(), s.GetProperty("ValueFrom").GetProperty("Fn::Sub").GetString()))
            .Should().Equal(
                ("API_KEY", ParameterArn),
                // The secret by its partial ARN (ECS resolves it), then the JSON key, default version stage and version.
                ("DB_PASSWORD", SecretArn + ":password::"));
        container.GetProperty("Environment").EnumerateArray().Select(v => v.GetProperty("Name").GetString())
            .Should().NotContain(["API_KEY", "DB_PASSWORD"], "a variable is either plain or secret");
    }

    [ToolFact("node")]
    public void The_execution_role_may_read_exactly_the_declared_arns_and_decrypt_with_exactly_the_declared_key()
    {
        var template = VaultTemplate;
        var task = template.OfType("AWS::ECS::TaskDefinition").Single().Properties;
        var executionRole = TemplateJson.ReferencedId(task.GetProperty("ExecutionRoleArn"))!;
        var taskRole = TemplateJson.ReferencedId(task.GetProperty("TaskRoleArn"))!;
        var statements = template.OfType("AWS::IAM::Policy")
            .Where(p => p.Properties.GetProperty("Roles").EnumerateArray().Any(r => TemplateJson.ReferencedId(r) == executionRole))
            .SelectMany(p => p.Properties.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray())
            .ToList();

        var secretStatements = statements.Where(s => Actions(s).Any(a => a.Split(':')[0] is "ssm" or "secretsmanager" or "kms"))
            .Select(s => (Actions: string.Join(",", Actions(s)), Resources: string.Join(",", Resources(s))))
            .ToList();
        secretStatements.Should().BeEquivalentTo(
        [
            ("ssm:GetParameters", ParameterArn),
            // Exactly that secret: Secrets Manager appends six random characters to the name in its ARN.
            ("secretsmanager:GetSecretValue", SecretArn + "-??????"),
            ("kms:Decrypt", SynthesizedInfra.SecretsKmsKey),
        ]);
        // The application's own role gets nothing of it: ECS injects the values, the code never fetches them.
        template.OfType("AWS::IAM::Policy")
            .Where(p => p.Properties.GetProperty("Roles").EnumerateArray().Any(r => TemplateJson.ReferencedId(r) == taskRole))
            .Should().BeEmpty();
    }

    [ToolFact("node")]
    public void No_secret_value_and_no_broader_grant_is_in_any_template()
    {
        foreach (var path in infra.WithSecrets.TemplatePaths)
        {
            var text = File.ReadAllText(path);
            text.Should().NotContain("ssm:GetParameterHistory").And.NotContain("ssm:DescribeParameters").And.NotContain("secretsmanager:DescribeSecret")
                .And.NotContain("\"ssm:GetParameter\"", path);
            text.Should().NotContain("SecureString", "the stacks reference secrets; they never create one with a value");
        }
    }

    [ToolFact("node")]
    public void Services_without_secrets_have_no_secret_access_at_all()
    {
        foreach (var service in infra.Dev.Services)
        {
            infra.Dev.ContainerOf(service).TryGetProperty("Secrets", out _).Should().BeFalse(service.Name);
            var text = infra.Dev.ServiceJson(service).Text;
            text.Should().NotContain("\"ssm:").And.NotContain("secretsmanager:").And.NotContain("kms:", service.Name);
        }
    }

    static IEnumerable<string> Actions(JsonElement statement) => Strings(statement.GetProperty("Action"));

    static IEnumerable<string> Resources(JsonElement statement) =>
        (statement.GetProperty("Resource").ValueKind == JsonValueKind.Array
            ? statement.GetProperty("Resource").EnumerateArray().ToList()
            : [statement.GetProperty("Resource")])
        .Select(r => r.ValueKind == JsonValueKind.String ? r.GetString()! : r.GetProperty("Fn::Sub").GetString()!);

    static IEnumerable<string> Strings(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Select(v => v.GetString()!) : [value.GetString()!];
}
