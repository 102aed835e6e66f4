using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests.Stacks;

[Collection(SynthesizedInfraCollection.Name)]
public sealed class SecurityRulesTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void Every_stack_of_every_profile_passes_every_security_rule()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod, infra.ThreeServices, infra.ExternalIssuer, infra.WithSecrets })
            foreach (var path in environment.TemplatePaths)
                environment.RuleViolations(path).Should().BeEmpty(path);
    }

    [ToolFact("node")]
    public void No_security_group_rule_in_any_stack_is_open_to_the_internet()
    {
        foreach (var environment in new[] { infra.Dev, infra.Prod })
            foreach (var (stack, template) in environment.ApplicationStacks)
                foreach (var (id, rule) in template.OfType("AWS::EC2::SecurityGroupIngress"))
                {
                    rule.TryGetProperty("CidrIp", out _).Should().BeFalse($"{stack}/{id} must allow a security group, not a CIDR");
                    rule.TryGetProperty("CidrIpv6", out _).Should().BeFalse($"{stack}/{id} must allow a security group, not a CIDR");
                    rule.TryGetProperty("SourceSecurityGroupId", out _).Should().BeTrue($"{stack}/{id}");
                }
    }
}
