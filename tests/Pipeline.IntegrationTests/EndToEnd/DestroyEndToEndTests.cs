using Pipeline.Build.Images;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// <c>./build.sh Destroy</c> as a user runs it, on an environment deployed to moto with <c>./build.sh Deploy --profile dev</c>:
/// refused under CI without --yes, a dry run, the real thing (the registry stack and its repositories stay), a second run,
/// --include-images (they go too); then the same copy's local platform (HealthCheck's target) destroyed and destroyed again.
/// </summary>
[Collection(EndToEndCollection.Name)]
[TestCaseOrderer(ScenarioOrderer.TypeName, ScenarioOrderer.AssemblyName)]
public sealed class DestroyEndToEndTests(AwsDeploymentFixture fixture) : IClassFixture<AwsDeploymentFixture>
{
    IsolatedDeployment Deployment => fixture.Deployment;

    string Environment => Deployment.Environment;

    IReadOnlyList<string> StacksInDeletionOrder =>
        [fixture.ServiceStack("mcp"), fixture.ServiceStack("fastapi"), fixture.SharedStack];

    async Task<IReadOnlyList<string>> StacksLeftAsync() =>
        (await fixture.CloudFormation.DescribeAllStacksAsync(default)).Keys
            .Where(name => name.StartsWith($"apigw-{Environment}-", StringComparison.Ordinal)).Order().ToList();

    async Task<IReadOnlyList<string>> RepositoriesLeftAsync() =>
        (await fixture.Repositories.ListAsync(DeploymentNames.RepositoryNamespace(Environment) + "/", default)).Select(r => r.Name).ToList();

    [EndToEndFact(NeedsMoto = true)]
    public async Task Under_CI_without_yes_Destroy_fails_before_anything_changes()
    {
        await fixture.DeployedOnAwsAsync();
        var before = await StacksLeftAsync();

        var destroy = await fixture.RunOnAwsAsync(new Dictionary<string, string> { ["CI"] = "true" }, "Destroy");

        destroy.ExitCode.Should().NotBe(0, destroy.Describe());
        destroy.Output.Should().Contain("this is a CI run (CI=true)")
            .And.Contain($"./build.sh Destroy --profile dev --deploy-environment {Environment} --yes").And.Contain("Nothing was changed.");
        destroy.Output.Should().NotContain("in this order", "it stops before even reading what exists");
        before.Should().HaveCount(4);
        (await StacksLeftAsync()).Should().Equal(before);
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task A_dry_run_lists_the_stacks_in_deletion_order_and_the_repositories_and_deletes_nothing()
    {
        await fixture.DeployedOnAwsAsync();
        var before = await StacksLeftAsync();

        var dryRun = await fixture.RunOnAwsAsync("Destroy", "--dry-run");

        dryRun.ExitCode.Should().Be(0, dryRun.Describe());
        var lines = dryRun.Output.Split('\n').ToList();
        StacksInDeletionOrder.Select(stack => lines.FindIndex(l => l.Contains($". {stack} "))).Should().BeInAscendingOrder().And.NotContain(-1, dryRun.Describe());
        dryRun.Output.Should().Contain($"repository apigw-{Environment}/fastapi (0 images): kept with its images (add --include-images to delete it)")
            .And.Contain($"stack {fixture.RegistryStack} (CREATE_COMPLETE): kept with its repositories")
            .And.Contain("Dry run: nothing was deleted.");
        (await StacksLeftAsync()).Should().Equal(before);
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task Destroy_yes_deletes_every_stack_but_the_registry_and_lists_the_repositories_it_keeps()
    {
        await fixture.DeployedOnAwsAsync();

        var destroy = await fixture.RunOnAwsAsync("Destroy", "--yes");

        destroy.ExitCode.Should().Be(0, destroy.Describe());
        (await StacksLeftAsync()).Should().Equal([fixture.RegistryStack], destroy.Describe());
        foreach (var stack in StacksInDeletionOrder)
            destroy.Output.Should().MatchRegex($@"(?m)^\s*{stack}\s+deleted\b", destroy.Describe());
        (await RepositoriesLeftAsync()).Should().BeEquivalentTo($"apigw-{Environment}/fastapi", $"apigw-{Environment}/mcp");
        destroy.Output.Should().Contain($"Kept: stack {fixture.RegistryStack} with its repositories (the next Deploy uses them as they are): apigw-{Environment}/fastapi (0 images), apigw-{Environment}/mcp (0 images).")
            .And.Contain($"./build.sh Destroy --profile dev --deploy-environment {Environment} --yes --include-images")
            .And.NotContain("aws ecr delete-repository", "a repository deleted by hand would leave the kept stack naming what is gone");
        destroy.Output.Should().Contain($"Environment {Environment} is deleted");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task A_second_Destroy_finds_nothing_and_exits_0()
    {
        await fixture.DeployedOnAwsAsync();
        if ((await StacksLeftAsync()).Count > 0)
            (await fixture.RunOnAwsAsync("Destroy", "--yes")).ExitCode.Should().Be(0);

        var again = await fixture.RunOnAwsAsync("Destroy", "--yes");

        again.ExitCode.Should().Be(0, again.Describe());
        again.Output.Should().Contain($"Nothing of environment {Environment} is left to delete");
        again.Output.Should().NotMatchRegex(@"(?m)^\s*apigw-\S+\s+deleted\b");
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task Include_images_deletes_the_kept_repositories()
    {
        await fixture.DeployedOnAwsAsync();

        var destroy = await fixture.RunOnAwsAsync("Destroy", "--yes", "--include-images");

        destroy.ExitCode.Should().Be(0, destroy.Describe());
        (await RepositoriesLeftAsync()).Should().BeEmpty(destroy.Describe());
        destroy.Output.Should().Contain($"repository apigw-{Environment}/fastapi: deleted").And.NotContain("Kept");
        destroy.Output.Should().MatchRegex($@"(?m)^\s*{fixture.RegistryStack}\s+deleted\b", destroy.Describe());
        (await StacksLeftAsync()).Should().BeEmpty();
    }

    [EndToEndFact(NeedsMoto = true)]
    public async Task On_the_local_platform_Destroy_removes_the_containers_the_gateway_and_the_images_and_a_second_run_is_a_no_op()
    {
        await fixture.LocallyDeployedAsync();
        (await Deployment.ContainerNamesAsync()).Should().NotBeEmpty();
        (await ImagesOfTheEnvironmentAsync()).Should().NotBeEmpty();

        var destroy = await Deployment.RunLocalAsync("Destroy", "--yes");
        var again = await Deployment.RunLocalAsync("Destroy", "--yes");

        destroy.ExitCode.Should().Be(0, destroy.Describe());
        destroy.Output.Should().Contain($"Environment {Environment} is removed from the local platform");
        (await Deployment.ContainerNamesAsync()).Should().BeEmpty();
        (await ImagesOfTheEnvironmentAsync()).Should().BeEmpty(destroy.Describe());
        Deployment.GatewayRecord.Should().BeNull("the gateway was stopped");
        again.ExitCode.Should().Be(0, again.Describe());
        again.Output.Should().Contain($"Nothing of environment {Environment} exists on the local platform");
    }

    async Task<IReadOnlyList<string>> ImagesOfTheEnvironmentAsync()
    {
        using var engine = new DockerEngine();
        var docker = await engine.ConnectAsync();
        var space = DeploymentNames.RepositoryNamespace(Environment) + "/";
        return (await docker.Images.ListImagesAsync(new Docker.DotNet.Models.ImagesListParameters()))
            .SelectMany(i => i.RepoTags ?? []).Where(t => t.StartsWith(space) || t.Contains("/" + space)).ToList();
    }
}
