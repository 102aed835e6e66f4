using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests.Stacks;

/// <summary>Prod's profile turns DeletionProtection on (SynthesizedInfra.Prod); dev leaves it off and says so explicitly.</summary>
[Collection(SynthesizedInfraCollection.Name)]
public sealed class DeletionProtectionTests(SynthesizedInfra infra)
{
    [ToolFact("node")]
    public void Prods_user_pool_refuses_deletion_and_is_retained_when_its_stack_goes_or_it_would_be_replaced()
    {
        var pool = infra.Prod.SharedJson.OfType("AWS::Cognito::UserPool").Single();
        pool.Properties.GetProperty("DeletionProtection").GetString().Should().Be("ACTIVE");
        var resource = infra.Prod.SharedJson.Resource(pool.Id);
        resource.GetProperty("DeletionPolicy").GetString().Should().Be("Retain");
        resource.GetProperty("UpdateReplacePolicy").GetString().Should().Be("Retain");
    }

    [ToolFact("node")]
    public void Devs_user_pool_is_unprotected_explicitly_and_goes_with_its_stack()
    {
        var pool = infra.Dev.SharedJson.OfType("AWS::Cognito::UserPool").Single();
        // INACTIVE written out: a deploy with the protection off lifts one an earlier deploy set.
        pool.Properties.GetProperty("DeletionProtection").GetString().Should().Be("INACTIVE");
        infra.Dev.SharedJson.Resource(pool.Id).GetProperty("DeletionPolicy").GetString().Should().Be("Delete");
    }

    [ToolFact("node")]
    public void Every_alb_has_deletion_protection_in_prod_and_says_false_in_dev()
    {
        foreach (var (environment, expected) in new[] { (infra.Dev, "false"), (infra.Prod, "true") })
            foreach (var service in environment.Services)
            {
                var alb = environment.ServiceJson(service).Resource(environment.LoadBalancerOf(service)).GetProperty("Properties");
                alb.GetProperty("LoadBalancerAttributes").EnumerateArray()
                    .Where(a => a.GetProperty("Key").GetString() == ServiceLoadBalancer.DeletionProtectionAttribute)
                    .Select(a => a.GetProperty("Value").GetString())
                    .Should().Equal([expected], $"{environment.Environment}/{service.Name}");
            }
    }

    [ToolFact("node")]
    public void The_pipelines_destroy_check_finds_exactly_prods_protected_resources()
    {
        var prod = infra.Prod.ApplicationStacks.SelectMany(s => Pipeline.Build.Aws.Destroy.DeletionProtectionCheck.In(s.StackName, s.Json.Text)).ToList();
        prod.Select(r => r.Type).Should().BeEquivalentTo(
            ["AWS::Cognito::UserPool", .. infra.Prod.Services.Select(_ => "AWS::ElasticLoadBalancingV2::LoadBalancer")]);
        infra.Dev.ApplicationStacks.SelectMany(s => Pipeline.Build.Aws.Destroy.DeletionProtectionCheck.In(s.StackName, s.Json.Text)).Should().BeEmpty();
    }
}
