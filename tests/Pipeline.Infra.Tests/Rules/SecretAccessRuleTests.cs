using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Build.Synthesis;
using Pipeline.Build.Synthesis.Rules;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests.Rules;

/// <summary>
/// Pipeline-SEC1 on the real synthesized templates: every one passes, including the service that declares secrets, and the
/// same template fails once its execution role may read more than the manifest declares.
/// </summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed class SecretAccessRuleTests(SynthesizedInfra infra)
{
    static readonly SecretAccessRule Rule = new();

    string VaultStack => $"apigw-dev-{SynthesizedInfra.SecretService}";

    [ToolFact("node")]
    public void Every_synthesized_template_passes_including_a_service_with_secrets_and_a_kms_key()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod, infra.ThreeServices, infra.ExternalIssuer, infra.WithSecrets })
            foreach (var path in environment.TemplatePaths)
                Check(environment, SynthesizedEnvironment.StackNameOf(path), JsonNode.Parse(File.ReadAllText(path))!).Should().BeEmpty(path);
    }

    [ToolFact("node")]
    public void A_wildcard_resource_on_the_parameter_grant_fails()
    {
        var template = VaultTemplate();
        Statement(template, "ssm:GetParameters")["Resource"] = "*";

        var violation = Check(infra.WithSecrets, VaultStack, template).Should().ContainSingle().Subject;

        violation.RuleId.Should().Be("Pipeline-SEC1");
        violation.Message.Should().Contain("the execution role may ssm:GetParameters on every resource ('*'), which is not a declared secret")
            .And.Contain("services/vault/service.json declares ssm:/apigw/dev/vault/api-key, secretsmanager:apigw/dev/vault/db:password");
    }

    [ToolFact("node")]
    public void A_secret_prefix_wider_than_the_declared_secret_fails()
    {
        var template = VaultTemplate();
        Statement(template, "secretsmanager:GetSecretValue")["Resource"] =
            new JsonObject { ["Fn::Sub"] = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:apigw/dev/*" };

        Check(infra.WithSecrets, VaultStack, template).Should().ContainSingle()
            .Which.Message.Should().Contain("secretsmanager:GetSecretValue on arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:apigw/dev/*");
    }

    [ToolFact("node")]
    public void Actions_ecs_does_not_need_fail_even_on_the_declared_arn()
    {
        var template = VaultTemplate();
        var statement = Statement(template, "ssm:GetParameters");
        statement["Action"] = new JsonArray("ssm:GetParameters", "ssm:GetParameterHistory", "ssm:DescribeParameters");

        Check(infra.WithSecrets, VaultStack, template).Select(v => v.Message).Should().HaveCount(2)
            .And.Contain(m => m.Contains("may ssm:GetParameterHistory, which ECS does not use"))
            .And.Contain(m => m.Contains("may ssm:DescribeParameters, which ECS does not use"));
    }

    [ToolFact("node")]
    public void Kms_decrypt_for_a_service_whose_manifest_names_no_key_fails()
    {
        var fastapi = JsonNode.Parse(infra.Dev.ServiceJson(infra.Catalog["fastapi"]).Text)!;
        ExecutionPolicyStatements(fastapi).Add(new JsonObject
        {
            ["Effect"] = "Allow",
            ["Action"] = "kms:Decrypt",
            ["Resource"] = "arn:aws:kms:eu-west-1:111122223333:key/other",
        });

        Check(infra.Dev, "apigw-dev-fastapi", fastapi).Should().ContainSingle()
            .Which.Message.Should().Contain("may kms:Decrypt, but the manifest names no secretsKmsKey").And.Contain("services/fastapi/service.json");
    }

    [ToolFact("node")]
    public void A_grant_on_a_role_that_is_not_an_execution_role_is_not_this_rules_concern()
    {
        var template = VaultTemplate();
        var policy = template["Resources"]!.AsObject().Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::IAM::Policy").Value!;
        policy["Properties"]!["Roles"] = new JsonArray(new JsonObject { ["Ref"] = "SomeOtherRole" });

        Check(infra.WithSecrets, VaultStack, template).Should().BeEmpty();
    }

    JsonNode VaultTemplate() =>
        JsonNode.Parse(infra.WithSecrets.ServiceJson(infra.WithSecrets.Catalog[SynthesizedInfra.SecretService]).Text)!;

    static JsonArray ExecutionPolicyStatements(JsonNode template)
    {
        var resources = template["Resources"]!.AsObject();
        var task = resources.Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::ECS::TaskDefinition").Value!;
        var role = task["Properties"]!["ExecutionRoleArn"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        var policy = resources.Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::IAM::Policy" &&
                                           r.Value!["Properties"]!["Roles"]!.AsArray().Any(x => x!["Ref"]?.GetValue<string>() == role)).Value!;
        return policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray();
    }

    static JsonNode Statement(JsonNode template, string action) =>
        ExecutionPolicyStatements(template).Single(s => s!["Action"] is JsonValue v && v.GetValue<string>() == action)!;

    static IReadOnlyList<RuleViolation> Check(SynthesizedEnvironment environment, string stack, JsonNode template) =>
        Rule.Check(TemplateResource.All(JsonDocument.Parse(template.ToJsonString())), environment.RuleContext(stack)).ToList();
}
