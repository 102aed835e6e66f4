using System.Text.Json;
using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Diff;

namespace Pipeline.Build.Tests.Aws.Diff;

/// <summary>The Diff's parameters (image tags and their commits, NoEcho never shown) and how a diff is printed.</summary>
public sealed class StackDiffReportTests
{
    const string OldTag = "9a166037bc09ddbb";
    const string NewTag = "3f2a9c1d0b7e4411";

    static readonly JsonElement ServiceTemplate = JsonDocument.Parse("""
        {
          "Parameters": {
            "ImageTagMcp": { "Type": "String", "Default": "unset" },
            "DesiredCountMcp": { "Type": "Number", "Default": 2 },
            "VpcId": { "Type": "AWS::SSM::Parameter::Value<String>", "Default": "/apigw/dev/shared/VpcId" },
            "ApiToken": { "Type": "String", "NoEcho": true }
          },
          "Resources": {
            "Task": { "Type": "AWS::ECS::TaskDefinition", "Properties": { "ContainerDefinitions": [ { "Image": { "Fn::Sub": "repo/mcp:${ImageTagMcp}" } } ] } },
            "Service": { "Type": "AWS::ECS::Service", "Properties": { "TaskDefinition": { "Ref": "Task" } } }
          }
        }
        """).RootElement.Clone();

    static StackPlan Plan(string tag, string token = "super-secret-token-value") => new(
        "apigw-dev-mcp", "mcp", "unused.json",
        new Dictionary<string, string> { ["ImageTagMcp"] = tag, ["ApiToken"] = token },
        new Dictionary<string, string> { ["apigw:environment"] = "dev" }, ["apigw-dev-shared"])
    {
        LiveParameters = _ => Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string> { ["DesiredCountMcp"] = "3" }),
    };

    static StackDescription Deployed(string tag) =>
        new("apigw-dev-mcp", "id", "UPDATE_COMPLETE", "", new Dictionary<string, string>())
        {
            // moto and AWS report the resolved (moto) or the path (AWS) of an SSM parameter, and mask NoEcho values.
            Parameters = new Dictionary<string, string> { ["ImageTagMcp"] = tag, ["DesiredCountMcp"] = "4", ["VpcId"] = "vpc-0abc", ["ApiToken"] = "****" },
        };

    static readonly ImageProvenance Provenance = new("abc1234def56", (service, tag) => service == "mcp" && tag == OldTag ? "0ld0c0mm1t00" : null);

    static StackDiff Diff(string deployedTag, ImageProvenance? provenance = null)
    {
        var parameters = StackDiffer.Parameters(Plan(NewTag), Deployed(deployedTag), ServiceTemplate, ServiceTemplate, provenance ?? Provenance);
        return new StackDiff("apigw-dev-mcp", "mcp", StackDiffState.Updated, "UPDATE_COMPLETE")
        {
            Parameters = parameters,
            Template = TemplateDiffer.Compare(ServiceTemplate, ServiceTemplate, parameters.Where(p => p.Changed && !p.Hidden).Select(p => p.Name).ToList()),
        };
    }

    [Fact]
    public void The_image_tag_change_names_both_tags_and_the_commits_they_come_from()
    {
        var image = Diff(OldTag).Parameters.Should().ContainSingle(p => p.Changed).Subject;

        image.Should().Be(new ParameterDiff("ImageTagMcp", OldTag, NewTag)
        {
            Changed = true, Service = "mcp", OldCommit = "0ld0c0mm1t00", NewCommit = "abc1234def56",
        });
    }

    [Fact]
    public void Live_and_SSM_parameters_are_not_compared_and_a_NoEcho_parameter_has_no_value_at_all()
    {
        var parameters = Diff(NewTag).Parameters;

        parameters.Should().ContainSingle().Which.Should().Be(new ParameterDiff("ApiToken", null, null) { Hidden = true, Changed = false },
            "the desired count is read from what runs, the SSM value at deploy time, and a NoEcho value cannot be told apart");
    }

    [Fact]
    public void Text_output_has_a_section_per_stack_each_line_prefixed_and_a_summary_line()
    {
        var lines = StackDiffReport.ToText([Diff(OldTag)], "environment dev (us-east-1)");

        lines.Should().StartWith("Diff of environment dev (us-east-1): what ./build.sh Deploy would change");
        lines.Skip(1).SkipLast(2).Should().OnlyContain(l => l.StartsWith("apigw-dev-mcp: ", StringComparison.Ordinal));
        lines.Should().Contain($"apigw-dev-mcp:   [~] ImageTagMcp: {OldTag} (commit 0ld0c0mm1t00) → {NewTag} (commit abc1234def56)");
        lines.Should().Contain("apigw-dev-mcp:   [~] AWS::ECS::TaskDefinition Task [replacement]");
        lines.Should().Contain("apigw-dev-mcp:       └─ ContainerDefinitions[0].Image: changes with parameter ImageTagMcp (replaces)");
        lines.Should().Contain("apigw-dev-mcp:       └─ TaskDefinition: changes with replaced Task");
        lines.Should().Contain($"apigw-dev-mcp: 2 to modify (1 replaced), parameters: ImageTagMcp {OldTag} → {NewTag} (commit abc1234def56)");
        lines[^2].Should().Be("1 stack would change: 0 to create, 1 to update (1 planned).");
        lines[^1].Should().Be("No change widens access.");
    }

    [Fact]
    public void Without_a_recorded_deploy_the_old_commit_is_unknown()
    {
        var lines = StackDiffReport.ToText([Diff("0000000000000000")], "environment dev");

        lines.Should().Contain($"apigw-dev-mcp:   [~] ImageTagMcp: 0000000000000000 (commit unknown) → {NewTag} (commit abc1234def56)");
    }

    [Fact]
    public void No_value_of_a_NoEcho_parameter_is_printed_as_text_or_markdown()
    {
        var diff = Diff(OldTag);

        var text = string.Join("\n", StackDiffReport.ToText([diff], "dev")) + StackDiffReport.ToMarkdown([diff], "dev");

        text.Should().NotContain("super-secret-token-value").And.NotContain("****");
        text.Should().Contain("[~] ApiToken: NoEcho: value hidden");
    }

    [Fact]
    public void An_unchanged_stack_says_so_and_counts_as_no_change()
    {
        var unchanged = Diff(NewTag) with { Parameters = [] };

        unchanged.HasChanges.Should().BeFalse();
        StackDiffReport.ToText([unchanged], "dev").Should().Equal(
            "Diff of dev: what ./build.sh Deploy would change",
            "apigw-dev-mcp: no changes",
            "No changes: every stack (1) is as a Deploy would leave it.",
            "No change widens access.");
    }

    [Fact]
    public void Access_widenings_are_listed_per_stack_with_a_warning_sign_and_counted_at_the_end()
    {
        var widened = Diff(OldTag) with
        {
            Widenings = [new AccessWidening("Sg", "AWS::EC2::SecurityGroup", "adds ingress from 0.0.0.0/0 on tcp 443 (open to the internet)")],
        };

        var lines = StackDiffReport.ToText([widened], "dev");

        lines.Should().ContainInOrder(
            "apigw-dev-mcp: Widens access:",
            "apigw-dev-mcp:   ⚠ Sg (AWS::EC2::SecurityGroup): adds ingress from 0.0.0.0/0 on tcp 443 (open to the internet)");
        lines[^1].Should().Be("⚠ 1 change widens access (see \"Widens access:\" above); review it before deploying.");
    }

    [Fact]
    public void Created_and_no_longer_deployed_stacks_say_what_happens_to_them()
    {
        var created = new StackDiff("apigw-dev-mcp", "mcp", StackDiffState.Created, "")
        {
            Template = TemplateDiffer.Compare(null, ServiceTemplate),
            Parameters = [new ParameterDiff("ImageTagMcp", null, NewTag) { Changed = true, Service = "mcp", NewCommit = "abc1234def56" }],
        };
        var gone = new StackDiff("apigw-dev-old", "apigw-dev-old", StackDiffState.NoLongerDeployed, "UPDATE_COMPLETE") { Notes = ["no service deploys it"] };

        var lines = StackDiffReport.ToText([created, gone], "dev");

        lines.Should().ContainInOrder(
            "apigw-dev-mcp: would be created (2 resources)",
            "apigw-dev-mcp:   [+] ImageTagMcp: (unset) → 3f2a9c1d0b7e4411 (commit abc1234def56)",
            "apigw-dev-mcp:   [+] AWS::ECS::TaskDefinition Task",
            "apigw-dev-mcp:   [+] AWS::ECS::Service Service",
            $"apigw-dev-mcp: new stack: 2 to add, parameters: ImageTagMcp (unset) → {NewTag} (commit abc1234def56)",
            "apigw-dev-old: exists (UPDATE_COMPLETE) but would no longer be deployed",
            "apigw-dev-old: note: no service deploys it",
            "apigw-dev-old: no longer deployed (Deploy leaves it as it is)",
            "2 stacks would change: 1 to create, 0 to update, 1 no longer deployed (1 planned).");
    }

    [Fact]
    public void Markdown_has_a_table_of_stacks_and_a_section_per_changed_stack()
    {
        var markdown = StackDiffReport.ToMarkdown([Diff(OldTag), Diff(NewTag) with { Parameters = [], StackName = "apigw-dev-fastapi" }], "environment dev");

        markdown.Should().StartWith("## Diff of environment dev: what `./build.sh Deploy` would change");
        markdown.Should().Contain($"| apigw-dev-mcp | 2 to modify (1 replaced), parameters: ImageTagMcp {OldTag} → {NewTag} (commit abc1234def56) |");
        markdown.Should().Contain("| apigw-dev-fastapi | no changes |");
        markdown.Should().Contain("### apigw-dev-mcp").And.NotContain("### apigw-dev-fastapi");
        markdown.Should().Contain("```text\nParameters\n");
        markdown.Should().Contain("**1 stack would change: 0 to create, 1 to update (2 planned).**");
    }

    [Fact]
    public async Task Outside_a_git_checkout_the_checkout_commit_is_unknown()
    {
        var folder = Directory.CreateTempSubdirectory("diff-no-git-");
        try
        {
            (await ImageProvenance.CheckoutCommitAsync(folder.FullName, default)).Should().BeNull();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
