using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Build.Synthesis;
using Pipeline.Build.Synthesis.Rules;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests.Rules;

/// <summary>
/// Pipeline-APIG6 on the real synthesized templates: every one passes, and the same template with one integration's request
/// id mapping taken away, or the access log's route dropped, fails naming the resource, the problem and the fix.
/// </summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed class RequestIdTracingRuleTests(SynthesizedInfra infra)
{
    static readonly RequestIdTracingRule Rule = new();

    [ToolFact("node")]
    public void Every_synthesized_template_passes()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod, infra.ThreeServices, infra.ExternalIssuer, infra.WithSecrets })
            foreach (var path in environment.TemplatePaths)
                Check(environment, SynthesizedEnvironment.StackNameOf(path), JsonNode.Parse(File.ReadAllText(path))!).Should().BeEmpty(path);
    }

    [ToolFact("node")]
    public void An_integration_without_the_request_id_mapping_fails_naming_it()
    {
        var template = JsonNode.Parse(infra.Dev.ServiceJson(infra.Catalog["mcp"]).Text)!;
        var (id, integration) = template["Resources"]!.AsObject()
            .First(r => r.Value!["Type"]!.GetValue<string>() == "AWS::ApiGatewayV2::Integration");
        integration!["Properties"]!["RequestParameters"]!.AsObject().Remove("overwrite:header.x-request-id");

        var violation = Check(infra.Dev, "apigw-dev-mcp", template).Should().ContainSingle().Subject;

        violation.Should().Match<RuleViolation>(v => v.RuleId == "Pipeline-APIG6" && v.LogicalId == id);
        violation.Message.Should().Contain("does not set x-request-id").And.Contain("\"overwrite:header.x-request-id\": \"$context.requestId\"");
    }

    [ToolFact("node")]
    public void A_stage_whose_access_log_loses_the_route_fails_naming_it()
    {
        var template = JsonNode.Parse(infra.Dev.SharedJson.Text)!;
        var (id, stage) = template["Resources"]!.AsObject().Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::ApiGatewayV2::Stage");
        var settings = stage!["Properties"]!["AccessLogSettings"]!;
        var line = JsonNode.Parse(settings["Format"]!.GetValue<string>())!.AsObject();
        line.Remove("route");
        settings["Format"] = line.ToJsonString();

        Check(infra.Dev, "apigw-dev-shared", template).Should().ContainSingle()
            .Which.Should().Match<RuleViolation>(v => v.LogicalId == id && v.Message.Contains("without \"route\": \"$context.routeKey\"", StringComparison.Ordinal));
    }

    static IReadOnlyList<RuleViolation> Check(SynthesizedEnvironment environment, string stack, JsonNode template) =>
        Rule.Check(TemplateResource.All(JsonDocument.Parse(template.ToJsonString())), environment.RuleContext(stack)).ToList();
}
