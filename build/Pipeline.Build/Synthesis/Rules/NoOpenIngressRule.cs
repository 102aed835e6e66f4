using System.Text.Json;

namespace Pipeline.Build.Synthesis.Rules;

/// <summary>No security group accepts traffic from the whole internet: ALBs are internal, tasks sit behind their ALB.</summary>
public sealed class NoOpenIngressRule : ITemplateRule
{
    public string Id => "Pipeline-EC23";

    public string Description => "Security groups allow no ingress from 0.0.0.0/0 or ::/0.";

    public IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources, TemplateContext context)
    {
        foreach (var resource in resources)
        {
            var rules = resource.Type switch
            {
                "AWS::EC2::SecurityGroup" => resource.Items("SecurityGroupIngress"),
                "AWS::EC2::SecurityGroupIngress" => [resource.Properties],
                _ => [],
            };
            foreach (var rule in rules.Where(IsOpen))
                yield return new RuleViolation(Id, resource.LogicalId,
                    $"allows ingress from {Cidr(rule)}. Allow the peer's security group (VPC Link, ALB) instead of a CIDR.");
        }
    }

    static bool IsOpen(JsonElement rule) => Cidr(rule) is "0.0.0.0/0" or "::/0";

    static string? Cidr(JsonElement rule)
    {
        foreach (var name in new[] { "CidrIp", "CidrIpv6" })
            if (rule.ValueKind == JsonValueKind.Object && rule.TryGetProperty(name, out var cidr) && cidr.ValueKind == JsonValueKind.String)
                return cidr.GetString();
        return null;
    }
}
