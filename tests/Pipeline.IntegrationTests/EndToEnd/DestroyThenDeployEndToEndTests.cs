using System.Text.Json.Nodes;
using Pipeline.Manifests;
using Xunit.Abstractions;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// Deploy, Destroy, Deploy on moto through <c>./build.sh --profile dev</c>: the second Deploy converges on the registry
/// stack Destroy kept (its repositories have fixed names and outlive any stack), re-creates the shared and service stacks
/// with their fixed-name SSM parameters and alarms, writes its history to the template bucket Destroy kept, and the images
/// pushed before the Destroy are still there after it. (Adopting repositories whose stack is gone is a resource import,
/// which moto does not implement: RegistryAdoptionTests checks the request.)
/// </summary>
[Collection(EndToEndCollection.Name)]
[TestCaseOrderer(ScenarioOrderer.TypeName, ScenarioOrderer.AssemblyName)]
public sealed class DestroyThenDeployEndToEndTests(AwsDeploymentFixture fixture, ITestOutputHelper output) : IClassFixture<AwsDeploymentFixture>
{
    const string ImageTag = "before-destroy";

    string Environment => fixture.Deployment.Environment;

    IReadOnlyList<string> Stacks =>
        [fixture.RegistryStack, fixture.SharedStack, fixture.ServiceStack("fastapi"), fixture.ServiceStack("mcp")];

    [EndToEndFact(NeedsMoto = true)]
    public async Task Deploy_Destroy_Deploy_converges_with_the_repositories_and_their_images_kept()
    {
        await fixture.DeployedOnAwsAsync();
        foreach (var service in new[] { "fastapi", "mcp" })
            await PutImageAsync(DeploymentNames.Repository(Environment, service), ImageTag);

        var destroy = await fixture.RunOnAwsAsync("Destroy", "--yes");
        output.WriteLine(destroy.Describe(200));
        destroy.ExitCode.Should().Be(0, destroy.Describe());
        var deploy = await fixture.RunOnAwsAsync("Deploy");
        output.WriteLine(deploy.Describe(200));

        deploy.ExitCode.Should().Be(0, deploy.Describe());
        deploy.Output.Should().Contain($"stack {fixture.RegistryStack}: template and parameters as deployed; skipped without a CloudFormation call");
        foreach (var stack in Stacks.Skip(1))
            deploy.Output.Should().MatchRegex($@"(?m)^\s*{stack}\s+created\b", deploy.Describe());
        foreach (var stack in Stacks)
            (await fixture.StackAsync(stack)).Status.Should().BeOneOf(["CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"], $"{stack}:\n{deploy.Describe()}");
        foreach (var service in new[] { "fastapi", "mcp" })
        {
            var repository = DeploymentNames.Repository(Environment, service);
            (await fixture.Ecr.DescribeImagesAsync(repository, default)).SelectMany(i => i.Tags).Should().Contain(ImageTag, $"{repository} kept its images");
        }
        deploy.Output.Should().Contain($"Deployed environment {Environment}");
    }

    async Task PutImageAsync(string repository, string tag)
    {
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.docker.distribution.manifest.v2+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.docker.container.image.v1+json", ["size"] = 7023, ["digest"] = "sha256:" + new string('b', 64) },
            ["layers"] = new JsonArray(),
        };
        await fixture.Ecr.Json.CallAsync("PutImage",
            new JsonObject { ["repositoryName"] = repository, ["imageManifest"] = manifest.ToJsonString(), ["imageTag"] = tag }, default);
    }
}
