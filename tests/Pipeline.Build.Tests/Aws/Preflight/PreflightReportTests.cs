using Pipeline.Build.Aws.Preflight;

namespace Pipeline.Build.Tests.Aws.Preflight;

/// <summary>A preflight reads as a table of check, result and detail, then the fix of each check that did not pass, then a summary.</summary>
public sealed class PreflightReportTests
{
    static readonly IReadOnlyList<PreflightResult> Results =
    [
        PreflightResult.Pass("region", "us-east-1"),
        PreflightResult.Warning("service-linked role AWSServiceRoleForECS", "missing", "aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com"),
        PreflightResult.Failed("deploy role github-apigw-dev-deploy", "missing", "./build.sh DeployRole --profile dev"),
        PreflightResult.Skipped("zones for VPC links", "needs working credentials"),
    ];

    [Fact]
    public void Rows_fixes_and_a_summary()
    {
        var lines = PreflightReport.Lines(Results, "dev in us-east-1");

        lines[0].Should().MatchRegex(@"^\s+Check\s+Result\s+Detail$");
        lines.Should().Contain(l => l.Contains("region") && l.Contains("ok") && l.EndsWith("us-east-1"));
        lines.Should().Contain(l => l.Contains("zones for VPC links") && l.Contains("skipped") && l.EndsWith("not checked: needs working credentials"));
        lines.Should().ContainInOrder("To fix:",
            "  service-linked role AWSServiceRoleForECS (warning): aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com",
            "  deploy role github-apigw-dev-deploy (FAILED): ./build.sh DeployRole --profile dev");
        lines[^1].Should().Be("Preflight of dev in us-east-1: 1 passed, 1 warning, 1 failed, 1 not checked.");
    }

    [Fact]
    public void A_deploy_refusal_names_each_failed_check_its_detail_and_fix_and_nothing_that_passed()
    {
        var refusal = PreflightReport.Refusal("Deploy", "dev", Results);

        refusal.Should().StartWith("Deploy of dev stopped before creating anything: [deploy role github-apigw-dev-deploy] missing. To fix: ./build.sh DeployRole --profile dev.")
            .And.EndWith("Then run Deploy again; ./build.sh Preflight checks the rest of the account.")
            .And.NotContain("region").And.NotContain("AWSServiceRoleForECS");
    }
}
