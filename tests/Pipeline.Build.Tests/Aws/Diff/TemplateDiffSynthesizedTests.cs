using Pipeline.Build.Aws.Diff;
using Pipeline.Build.Synthesis;
using Pipeline.Build.Tests.Reports;

namespace Pipeline.Build.Tests.Aws.Diff;

/// <summary>The differ on the templates the CDK app really synthesizes (the reference profile's environment).</summary>
public sealed class TemplateDiffSynthesizedTests(SynthesizedReferenceTemplates synthesized) : IClassFixture<SynthesizedReferenceTemplates>
{
    [ToolFact("node")]
    public void Every_resource_type_the_CDK_app_synthesizes_is_in_the_table_of_replacing_properties()
    {
        var types = synthesized.Templates.Stacks.SelectMany(s => TemplateResource.All(s.Template)).Select(r => r.Type).Distinct().Order().ToList();

        types.Should().NotBeEmpty();
        types.Where(t => !TemplateDiffReplacements.Table.ContainsKey(t)).Should().BeEmpty(
            "Diff marks replacements from TemplateDiffReplacements.Table: add the new type with the properties whose change replaces it");
    }

    [ToolFact("node")]
    public void Each_synthesized_template_compared_with_itself_has_no_difference_and_widens_nothing()
    {
        foreach (var stack in synthesized.Templates.Stacks)
        {
            var template = stack.Template.RootElement;
            TemplateDiffer.Compare(template, template).IsEmpty.Should().BeTrue(stack.Name);
            TemplateDiffAccess.Find(template, template).Should().BeEmpty(stack.Name);
        }
    }

    [ToolFact("node")]
    public void A_service_stack_to_create_lists_its_routes_without_an_authorizer_and_its_security_group_rules()
    {
        var mcp = synthesized.Templates.Stacks.Single(s => s.Name.EndsWith("-mcp", StringComparison.Ordinal));

        var widenings = TemplateDiffAccess.Find(null, mcp.Template.RootElement);

        widenings.Where(w => w.ResourceType == "AWS::ApiGatewayV2::Route").Select(w => w.Description).Should().Contain(d => d.Contains("ANY /api/mcp"));
        widenings.Should().Contain(w => w.ResourceType.StartsWith("AWS::EC2::SecurityGroup", StringComparison.Ordinal));
        TemplateDiffer.Compare(null, mcp.Template.RootElement).Added.Should().Be(TemplateResource.All(mcp.Template).Count);
    }
}
