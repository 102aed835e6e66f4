using System.Text.Json.Nodes;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// Deploy, Destroy, Deploy on moto through <c>./build.sh --profile dev</c>: the second Deploy converges on the retained
/// ECR repositories (fixed names) and on everything else the first one made under a fixed name, and the images pushed
/// before the Destroy are still there after it.
/// </summary>
[Collection(EndToEndCollection.Name)]
[TestCaseOrderer(ScenarioOrderer.TypeName, ScenarioOrderer.AssemblyName)]
public sealed class DestroyThenDeployEndToEndTests(AwsDeploymentFixture fixture) : IClassFixture<AwsDeploymentFixture>
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
        destroy.ExitCode.Should().Be(0, destroy.Describe());
        var deploy = await fixture.RunOnAwsAsync("Deploy");

        deploy.ExitCode.Should().Be(0, deploy.Describe());
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
