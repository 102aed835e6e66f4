using System.Text.Json.Nodes;
using Pipeline.Build.Aws;

namespace Pipeline.Build.Tests.Aws;

/// <summary>
/// The import that adopts retained repositories into a registry stack created again: only the repositories that exist,
/// each with its DeletionPolicy (an import requires one), identified by RepositoryName, and nothing else in the template
/// (an import may create no resource and add no output).
/// </summary>
public sealed class RegistryImportTests
{
    /// <summary>The shape of the synthesized registry template: a description, retained repositories with fixed names, outputs.</summary>
    static string Template(params (string LogicalId, JsonNode? Name, string? DeletionPolicy)[] repositories)
    {
        var resources = new JsonObject();
        var outputs = new JsonObject();
        foreach (var (logicalId, name, deletionPolicy) in repositories)
        {
            var resource = new JsonObject
            {
                ["Type"] = "AWS::ECR::Repository",
                ["Properties"] = new JsonObject
                {
                    ["ImageScanningConfiguration"] = new JsonObject { ["ScanOnPush"] = true },
                    ["ImageTagMutability"] = "IMMUTABLE",
                    ["RepositoryName"] = name,
                },
            };
            if (deletionPolicy is not null)
            {
                resource["UpdateReplacePolicy"] = deletionPolicy;
                resource["DeletionPolicy"] = deletionPolicy;
            }
            resources[logicalId] = resource;
            outputs["RepositoryUri" + logicalId] = new JsonObject { ["Value"] = new JsonObject { ["Ref"] = logicalId } };
        }
        return new JsonObject { ["Description"] = "registry", ["Resources"] = resources, ["Outputs"] = outputs }.ToJsonString();
    }

    static readonly string Registry = Template(
        ("FastapiRepository2F79A075", "apigw-dev/fastapi", "Retain"),
        ("McpRepository598C0493", "apigw-dev/mcp", "Retain"));

    [Fact]
    public void Only_the_repositories_that_exist_are_imported_each_by_its_RepositoryName()
    {
        var import = RegistryImport.Plan(Registry, new HashSet<string> { "apigw-dev/mcp" });

        import.Should().NotBeNull();
        import!.Resources.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            ResourceType = "AWS::ECR::Repository",
            LogicalResourceId = "McpRepository598C0493",
            ResourceIdentifier = new Dictionary<string, string> { ["RepositoryName"] = "apigw-dev/mcp" },
        });
        import.Names.Should().Equal("apigw-dev/mcp");
    }

    [Fact]
    public void The_import_template_holds_only_the_imported_repositories_with_their_DeletionPolicy_and_no_outputs()
    {
        var import = RegistryImport.Plan(Registry, new HashSet<string> { "apigw-dev/mcp", "apigw-dev/fastapi" })!;

        var template = JsonNode.Parse(import.Template)!.AsObject();
        template.Select(p => p.Key).Should().BeEquivalentTo("Description", "Resources");
        var resources = template["Resources"]!.AsObject();
        resources.Select(r => r.Key).Should().BeEquivalentTo("FastapiRepository2F79A075", "McpRepository598C0493");
        resources.Should().AllSatisfy(r => r.Value!["DeletionPolicy"]!.GetValue<string>().Should().Be("Retain"));
        resources["McpRepository598C0493"]!["Properties"]!["ImageTagMutability"]!.GetValue<string>()
            .Should().Be("IMMUTABLE", "the resource is imported as the stack declares it, so the update after the import changes nothing of it");
    }

    [Fact]
    public void Nothing_is_imported_when_no_repository_exists()
    {
        RegistryImport.Plan(Registry, new HashSet<string>()).Should().BeNull();
        RegistryImport.Plan(Registry, new HashSet<string> { "apigw-prod/mcp" }).Should().BeNull("another environment's repository is not this stack's");
    }

    [Fact]
    public void A_repository_deleted_with_its_stack_or_named_by_a_function_is_never_a_candidate()
    {
        var template = Template(
            ("Deleted", "apigw-dev/deleted", null),
            ("Computed", new JsonObject { ["Fn::Join"] = new JsonArray("-", new JsonArray("apigw", new JsonObject { ["Ref"] = "AWS::StackName" })) }, "Retain"),
            ("Kept", "apigw-dev/kept", "RetainExceptOnCreate"));

        RegistryImport.RetainedNamedResources(template).Select(r => r.LogicalId).Should().Equal("Kept");
        RegistryImport.Plan(template, new HashSet<string> { "apigw-dev/deleted", "apigw-dev/kept" })!.Names.Should().Equal("apigw-dev/kept");
    }
}
