using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Diff;
using Pipeline.IntegrationTests.Infrastructure;

namespace Pipeline.IntegrationTests.Aws.Diff;

/// <summary>
/// Diff against stacks moto really runs: the deployed template read back with GetTemplate, parameters and image tags,
/// a widened security group, stacks to create and stacks no longer deployed; and that it only reads (no change set,
/// no stack created or touched).
/// </summary>
public sealed class StackDifferTests(MotoServer moto) : MotoTests(moto)
{
    readonly StackDeployerOptions fast = new() { PollInterval = TimeSpan.FromMilliseconds(100) };
    readonly string prefix = StackTemplates.UniqueStackName("diff");
    readonly List<string> created = [];

    /// <summary>CloudFormation calls that change something; Diff makes none.</summary>
    static readonly string[] Writes = ["CreateChangeSet", "ExecuteChangeSet", "DeleteChangeSet", "CreateStack", "UpdateStack", "DeleteStack"];

    CloudFormationClient CloudFormation => new(MotoServer.Connection(Proxy.Endpoint), Http);

    string Environment => prefix;

    static string ServiceTemplate(string cidr = "10.0.0.0/16", int toPort = 443) => $$"""
        {
          "Parameters": { "ImageTagSvc": { "Type": "String", "Default": "unset" } },
          "Resources": {
            "TasksSecurityGroup": { "Type": "AWS::EC2::SecurityGroup", "Properties": {
              "GroupDescription": "tasks of svc",
              "SecurityGroupIngress": [ { "IpProtocol": "tcp", "FromPort": 443, "ToPort": {{toPort}}, "CidrIp": "{{cidr}}" } ],
              "SecurityGroupEgress": [ { "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/16" } ] } },
            "Image": { "Type": "AWS::SSM::Parameter", "Properties": {
              "Name": { "Fn::Sub": "/${AWS::StackName}/image" }, "Type": "String", "Value": { "Fn::Sub": "repo/svc:${ImageTagSvc}" } } }
          }
        }
        """;

    StackPlan Plan(string stackName, string tag, string? template = null) => new(
        stackName, "svc", StackTemplates.Write(template ?? ServiceTemplate()),
        new Dictionary<string, string> { ["ImageTagSvc"] = tag },
        new Dictionary<string, string> { ["apigw:environment"] = Environment, ["apigw:managed-by"] = "pipeline" }, []);

    async Task DeployAsync(params StackPlan[] plans)
    {
        created.AddRange(plans.Select(p => p.StackName));
        var runs = await new StackSetDeployer(new StackDeployer(CloudFormation, options: fast), await CloudFormation.DescribeAllStacksAsync(default), 4)
            .DeployAsync(plans, dryRun: false, new RecordingStepLog(), default);
        runs.Should().OnlyContain(r => r.State == StackRunState.Created || r.State == StackRunState.Updated || r.State == StackRunState.Unchanged);
    }

    /// <summary>Diff as the target runs it, and the CloudFormation actions it made.</summary>
    async Task<(IReadOnlyList<StackDiff> Diffs, IReadOnlyList<string> Actions)> DiffAsync(IReadOnlyList<StackPlan> plans, ImageProvenance? provenance = null)
    {
        var before = Proxy.Actions.Count;
        var deployed = await CloudFormation.DescribeAllStacksAsync(default);
        var diffs = await new StackDiffer(CloudFormation).DiffAsync(plans, deployed, provenance ?? ImageProvenance.Unknown, default);
        return (diffs, Proxy.Actions.Skip(before).ToList());
    }

    [Fact]
    public async Task A_stack_deployed_as_planned_has_no_changes_and_Diff_only_reads()
    {
        var plan = Plan($"{prefix}-svc", "aaaa1111");
        await DeployAsync(plan);

        var (diffs, actions) = await DiffAsync([plan]);

        diffs.Should().ContainSingle().Which.HasChanges.Should().BeFalse(StackDiffReport.Summary(diffs[0]));
        StackDiffReport.Summary(diffs[0]).Should().Be("no changes");
        actions.Should().Equal(["DescribeStacks", "GetTemplate"], "one listing of the stacks and the template of each");
    }

    [Fact]
    public async Task A_new_image_tag_is_a_parameter_change_with_both_tags_and_the_resource_that_uses_it()
    {
        await DeployAsync(Plan($"{prefix}-svc", "aaaa1111"));

        var (diffs, actions) = await DiffAsync([Plan($"{prefix}-svc", "bbbb2222")],
            new ImageProvenance("c0ffee123456", (service, tag) => service == "svc" && tag == "aaaa1111" ? "0ldc0mm17000" : null));

        var diff = diffs.Single();
        diff.Parameters.Should().ContainSingle().Which.Should().Be(new ParameterDiff("ImageTagSvc", "aaaa1111", "bbbb2222")
        {
            Changed = true, Service = "svc", OldCommit = "0ldc0mm17000", NewCommit = "c0ffee123456",
        });
        diff.Template.Resources.Should().ContainSingle().Which.Changes.Should().ContainSingle()
            .Which.Should().Be(new PropertyChange("Value", null, null) { Via = "parameter ImageTagSvc" });
        StackDiffReport.Summary(diff).Should().Be("1 to modify (0 replaced), parameters: ImageTagSvc aaaa1111 → bbbb2222 (commit c0ffee123456)");
        actions.Should().NotContain(Writes);
    }

    [Fact]
    public async Task A_security_group_opened_to_the_internet_is_a_property_change_and_widens_access()
    {
        await DeployAsync(Plan($"{prefix}-svc", "aaaa1111"));

        var (diffs, actions) = await DiffAsync([Plan($"{prefix}-svc", "aaaa1111", ServiceTemplate(cidr: "0.0.0.0/0", toPort: 444))]);

        var diff = diffs.Single();
        diff.Template.Resources.Should().ContainSingle().Which.Changes.Should().BeEquivalentTo(new[]
        {
            new PropertyChange("SecurityGroupIngress[0].ToPort", "443", "444"),
            new PropertyChange("SecurityGroupIngress[0].CidrIp", "\"10.0.0.0/16\"", "\"0.0.0.0/0\""),
        });
        diff.Widenings.Should().ContainSingle().Which.Should().Be(new AccessWidening("TasksSecurityGroup", "AWS::EC2::SecurityGroup",
            "widens ingress from 0.0.0.0/0 on tcp 443-444 (was 10.0.0.0/16 on tcp 443) (open to the internet)"));
        actions.Should().NotContain(Writes);
    }

    [Fact]
    public async Task A_stack_that_does_not_exist_would_be_created_and_Diff_does_not_create_it()
    {
        var plan = Plan($"{prefix}-new", "aaaa1111");

        var (diffs, actions) = await DiffAsync([plan]);

        var diff = diffs.Single();
        diff.State.Should().Be(StackDiffState.Created);
        diff.Template.Resources.Select(r => (r.LogicalId, r.Kind)).Should().Equal(("TasksSecurityGroup", DiffKind.Added), ("Image", DiffKind.Added));
        diff.Parameters.Should().ContainSingle().Which.Should().Be(new ParameterDiff("ImageTagSvc", null, "aaaa1111") { Changed = true, Service = "svc" });
        actions.Should().Equal(["DescribeStacks"], "a stack that is not there has no template to read");
        (await CloudFormation.DescribeStackAsync(plan.StackName, default)).Should().BeNull();
    }

    [Fact]
    public async Task A_stack_of_the_environment_that_no_plan_names_is_no_longer_deployed()
    {
        var kept = Plan($"{prefix}-svc", "aaaa1111");
        var removed = Plan($"{prefix}-gone", "aaaa1111");
        await DeployAsync(kept, removed);

        var (diffs, _) = await DiffAsync([kept]);

        diffs.Select(d => (d.StackName, d.State)).Should().Equal(($"{prefix}-svc", StackDiffState.Updated), ($"{prefix}-gone", StackDiffState.NoLongerDeployed));
        diffs[1].HasChanges.Should().BeTrue();
        (await CloudFormation.DescribeStackAsync(removed.StackName, default)).Should().NotBeNull("Diff leaves it alone");
    }

    public override async Task DisposeAsync()
    {
        var cloudFormation = new CloudFormationClient(Connection, Http);
        foreach (var stack in created)
            await cloudFormation.DeleteStackAsync(stack, default);
        await base.DisposeAsync();
    }
}
