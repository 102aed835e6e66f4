using System.Text.Json;
using Pipeline.Infra.Tests.Support;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Stacks;

/// <summary>
/// The reason for one stack per service: with 42 services every stack stays far below CloudFormation's
/// 500-resource limit, where the single-stack layout passed it at about 18.
/// </summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed class ManyServicesTests(SynthesizedInfra infra)
{
    const int CloudFormationResourceLimit = 500;
    const int HttpApiRouteQuota = 300;
    const int HttpApiIntegrationQuota = 300;

    [ToolFact("node")]
    public void Forty_two_services_synthesize_into_stacks_of_fewer_than_500_resources()
    {
        var many = infra.ManyServices;
        many.Catalog.Services.Should().HaveCount(SynthesizedInfra.ManyServiceCount);
        var paths = many.TemplatePaths;
        paths.Should().HaveCount(SynthesizedInfra.ManyServiceCount + 2).And.OnlyContain(p => File.Exists(p));

        var counts = paths.ToDictionary(p => Path.GetFileName(p), p => ResourceCount(p));
        counts.Values.Should().OnlyContain(c => c > 0 && c < CloudFormationResourceLimit,
            "counts: " + string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}")));
        // A service stack's size does not grow with the number of services.
        var serviceCounts = many.Services.Select(s => ResourceCount(many.ServiceTemplatePath(s))).ToList();
        serviceCounts.Max().Should().BeLessThan(50);
        ResourceCount(many.SharedTemplatePath).Should().Be(ResourceCount(infra.Dev.SharedTemplatePath));
    }

    [ToolFact("node")]
    public void Forty_two_services_fit_the_http_api_route_and_integration_quotas()
    {
        var many = infra.ManyServices;
        var routes = many.Services.Sum(s => many.ServiceJson(s).OfType("AWS::ApiGatewayV2::Route").Count());
        var integrations = many.Services.Sum(s => many.ServiceJson(s).OfType("AWS::ApiGatewayV2::Integration").Count());

        // As HttpApiRoutes counts them from the manifests, which is what the pipeline checks before it synthesizes.
        routes.Should().Be(many.Services.Sum(s => HttpApiRoutes.For(s).Count)).And.BeLessThanOrEqualTo(HttpApiRouteQuota);
        integrations.Should().Be(many.Services.Sum(HttpApiRoutes.IntegrationCount)).And.BeLessThanOrEqualTo(HttpApiIntegrationQuota);
    }

    [ToolFact("node")]
    public void Forty_two_service_stacks_pass_every_security_rule()
    {
        foreach (var path in infra.ManyServices.TemplatePaths)
            infra.ManyServices.RuleViolations(path).Should().BeEmpty(path);
    }

    [ToolFact("node", "cfn-lint")]
    public void Cfn_lint_finds_no_errors_in_the_forty_two_service_templates()
    {
        Requirements.RequireTools("node", "cfn-lint");
        var (exitCode, output) = CfnLint.Run(infra.ManyServices.TemplatePaths);

        // cfn-lint exit code: bit 2 = errors, 4 = warnings, 8 = informational; 0 = clean.
        (exitCode & 2).Should().Be(0, "cfn-lint reported errors:\n" + output);
        (exitCode & 4).Should().Be(0, "every warning kept must be ignored, with a reason, in infra/.cfnlintrc:\n" + output);
    }

    [ToolFact("node", "cfn-lint")]
    public void Cfn_lint_finds_no_errors_in_the_split_templates_of_every_profile()
    {
        Requirements.RequireTools("node", "cfn-lint");
        var (exitCode, output) = CfnLint.Run(new[] { infra.Dev, infra.Prod, infra.ThreeServices }.SelectMany(e => e.TemplatePaths));

        (exitCode & 2).Should().Be(0, "cfn-lint reported errors:\n" + output);
        (exitCode & 4).Should().Be(0, "every warning kept must be ignored, with a reason, in infra/.cfnlintrc:\n" + output);
    }

    static int ResourceCount(string path)
    {
        using var template = JsonDocument.Parse(File.ReadAllText(path));
        return template.RootElement.GetProperty("Resources").EnumerateObject().Count();
    }
}
