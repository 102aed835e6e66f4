using System.Text.Json.Nodes;
using System.Web;
using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Aws;

/// <summary>
/// Adopting the repositories a deleted registry stack left behind, against moto through the fault proxy. moto 5.2 has no
/// resource import (its IMPORT change set makes a stack and its execute creates the repositories again, which fails for
/// repositories that exist), so the proxy answers the IMPORT CreateChangeSet itself and the test checks the signed request
/// our client sends, as CloudFormation's API reference defines it; everything up to it (the stack's state, which
/// repositories exist) is moto's.
/// </summary>
public sealed class RegistryAdoptionTests(MotoServer moto) : MotoTests(moto)
{
    readonly string environment = "r" + Guid.NewGuid().ToString("N")[..8];
    readonly List<string> importRequests = [];

    string StackName => DeploymentNames.RegistryStack(environment);

    string Repository(string service) => DeploymentNames.Repository(environment, service);

    /// <summary>The synthesized registry template's shape: retained repositories with fixed names, and their outputs.</summary>
    string RegistryTemplate()
    {
        var resources = new JsonObject();
        var outputs = new JsonObject();
        foreach (var service in new[] { "fastapi", "mcp" })
        {
            var logicalId = DeploymentNames.Pascal(service) + "Repository";
            resources[logicalId] = new JsonObject
            {
                ["Type"] = "AWS::ECR::Repository",
                ["Properties"] = new JsonObject { ["RepositoryName"] = Repository(service), ["ImageTagMutability"] = "IMMUTABLE" },
                ["UpdateReplacePolicy"] = "Retain",
                ["DeletionPolicy"] = "Retain",
            };
            outputs[DeploymentNames.RepositoryUriOutput(service)] = new JsonObject { ["Value"] = new JsonObject { ["Ref"] = logicalId } };
        }
        return new JsonObject { ["Resources"] = resources, ["Outputs"] = outputs }.ToJsonString();
    }

    StackPlan Plan() => new(StackName, "registry", StackTemplates.Write(RegistryTemplate()), new Dictionary<string, string>(),
        new Dictionary<string, string> { ["apigw:environment"] = environment }, []);

    RegistryAdoption Adoption()
    {
        var proxied = MotoServer.Connection(Proxy.Endpoint);
        var cloudFormation = new CloudFormationClient(proxied, Http);
        return new RegistryAdoption(cloudFormation, new EcrClient(proxied, Http),
            new StackDeployer(cloudFormation, options: new StackDeployerOptions { PollInterval = TimeSpan.FromMilliseconds(100) }));
    }

    /// <summary>The IMPORT CreateChangeSet is written down and refused, as far as moto can go; every other call reaches moto.</summary>
    void RecordImportChangeSets() =>
        Proxy.When("CreateChangeSet", call =>
        {
            if (HttpUtility.ParseQueryString(call.RequestBody)["ChangeSetType"] != "IMPORT")
                return Task.FromResult<MotoProxyReply?>(null);
            lock (importRequests) importRequests.Add(call.RequestBody);
            return Task.FromResult<MotoProxyReply?>(MotoFaultProxy.QueryError(400, "ValidationError", "IMPORT recorded by the test"));
        });

    async Task DeployRegistryAsync() =>
        await new StackDeployer(new CloudFormationClient(Connection, Http), options: new StackDeployerOptions { PollInterval = TimeSpan.FromMilliseconds(100) })
            .DeployAsync(new StackDeployRequest(StackName, StackTemplates.Write(RegistryTemplate()), new Dictionary<string, string>(), new Dictionary<string, string>()),
                false, new RecordingStepLog(), default);

    [Fact]
    public async Task A_registry_stack_deleted_by_hand_has_its_repositories_imported_by_an_IMPORT_change_set_of_them_alone()
    {
        await DeployRegistryAsync();
        await new CloudFormationClient(Connection, Http).DeleteStackAsync(StackName, default);
        (await new CloudFormationClient(Connection, Http).DescribeStackAsync(StackName, default)).Should().BeNull("moto deletes at once");
        RecordImportChangeSets();
        var log = new RecordingStepLog();

        var adopt = () => Adoption().AdoptAsync(Plan(), dryRun: false, log, default);

        (await adopt.Should().ThrowAsync<PipelineException>()).Which.Message.Should().Contain("IMPORT recorded by the test");
        log.Text.Should().Contain($"stack {StackName} does not exist, but repositories of it do")
            .And.Contain($"adopting {Repository("fastapi")}, {Repository("mcp")} with their images by CloudFormation resource import");
        var request = HttpUtility.ParseQueryString(importRequests.Should().ContainSingle().Subject);
        request["Action"].Should().Be("CreateChangeSet");
        request["StackName"].Should().Be(StackName);
        request["ChangeSetType"].Should().Be("IMPORT");
        for (var i = 1; i <= 2; i++)
        {
            var service = i == 1 ? "fastapi" : "mcp";
            request[$"ResourcesToImport.member.{i}.ResourceType"].Should().Be("AWS::ECR::Repository");
            request[$"ResourcesToImport.member.{i}.LogicalResourceId"].Should().Be(DeploymentNames.Pascal(service) + "Repository");
            request[$"ResourcesToImport.member.{i}.ResourceIdentifier.entry.1.key"].Should().Be("RepositoryName");
            request[$"ResourcesToImport.member.{i}.ResourceIdentifier.entry.1.value"].Should().Be(Repository(service));
        }
        request["ResourcesToImport.member.3.ResourceType"].Should().BeNull();
        var template = JsonNode.Parse(request["TemplateBody"]!)!.AsObject();
        template.ContainsKey("Outputs").Should().BeFalse("an import may not add outputs");
        template["Resources"]!.AsObject().Should().HaveCount(2).And.AllSatisfy(r => r.Value!["DeletionPolicy"]!.GetValue<string>().Should().Be("Retain"));
        request["Tags.member.1.Key"].Should().Be("apigw:environment");
    }

    [Fact]
    public async Task Only_the_repositories_that_are_left_are_imported()
    {
        await DeployRegistryAsync();
        await new CloudFormationClient(Connection, Http).DeleteStackAsync(StackName, default);
        await new EcrRepositories(Connection, Http).DeleteAsync(Repository("fastapi"), force: true, default);
        RecordImportChangeSets();

        var adopt = () => Adoption().AdoptAsync(Plan(), dryRun: false, new RecordingStepLog(), default);

        await adopt.Should().ThrowAsync<PipelineException>();
        var request = HttpUtility.ParseQueryString(importRequests.Should().ContainSingle().Subject);
        request["ResourcesToImport.member.1.ResourceIdentifier.entry.1.value"].Should().Be(Repository("mcp"));
        request["ResourcesToImport.member.2.ResourceType"].Should().BeNull("the fastapi repository is gone: the update after the import creates it");
        JsonNode.Parse(request["TemplateBody"]!)!["Resources"]!.AsObject().Select(r => r.Key).Should().Equal("McpRepository");
    }

    [Fact]
    public async Task Nothing_is_adopted_while_the_registry_stack_exists()
    {
        await DeployRegistryAsync();

        var import = await Adoption().AdoptAsync(Plan(), dryRun: false, new RecordingStepLog(), default);

        import.Should().BeNull();
        Proxy.Actions.Should().Equal(["DescribeStacks"], "an existing stack owns its repositories: nothing is looked up, nothing imported");
    }

    [Fact]
    public async Task Nothing_is_adopted_when_no_repository_is_left()
    {
        RecordImportChangeSets();

        var import = await Adoption().AdoptAsync(Plan(), dryRun: false, new RecordingStepLog(), default);

        import.Should().BeNull();
        importRequests.Should().BeEmpty();
        Proxy.Actions.Should().NotContain("CreateChangeSet");
    }
}
