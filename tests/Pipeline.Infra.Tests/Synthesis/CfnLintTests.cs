using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests.Synthesis;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class CfnLintTests(SynthesizedInfra infra)
{
    [ToolFact("node", "cfn-lint")]
    public void Cfn_lint_finds_no_errors_in_any_synthesized_template()
    {
        Requirements.RequireTools("node", "cfn-lint");
        // Registry, shared and every service stack of each profile: Cognito or an external issuer, alarm subscriptions, secrets.
        var environments = new[] { infra.Dev, infra.Prod, infra.ThreeServices, infra.ExternalIssuer, infra.WithSecrets };
        var templates = environments.SelectMany(e => e.TemplatePaths).ToList();
        templates.Should().HaveCount(environments.Sum(e => 2 + e.Catalog.Services.Count));

        var (exitCode, output) = CfnLint.Run(templates);

        // cfn-lint exit code: bit 2 = errors, 4 = warnings, 8 = informational; 0 = clean.
        (exitCode & 2).Should().Be(0, "cfn-lint reported errors:\n" + output);
        (exitCode & 4).Should().Be(0, "every warning kept must be ignored, with a reason, in infra/.cfnlintrc:\n" + output);
    }

    [ToolFact("cfn-lint")]
    public void Cfn_lint_would_fail_a_template_with_an_error()
    {
        Requirements.RequireTools("cfn-lint");
        var broken = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.template.json");
        File.WriteAllText(broken, """{"Resources":{"Bucket":{"Type":"AWS::S3::Bucket","Properties":{"NoSuchProperty":1}}}}""");
        try
        {
            var (exitCode, output) = CfnLint.Run([broken]);
            (exitCode & 2).Should().Be(2, output);
        }
        finally
        {
            File.Delete(broken);
        }
    }
}
