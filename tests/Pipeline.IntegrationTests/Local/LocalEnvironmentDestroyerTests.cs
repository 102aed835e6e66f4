using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Local;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Local;

/// <summary>
/// Destroy on the local platform against the real engine: an environment of its own (containers <c>apigw-&lt;env&gt;-web</c>,
/// label <c>apigw.platform=&lt;env&gt;</c>, images <c>apigw-&lt;env&gt;/web:&lt;tag&gt;</c>), started by the real service runner.
/// </summary>
[Collection(LocalPlatformCollection.Name)]
public sealed class LocalEnvironmentDestroyerTests(LocalPlatformFixture fixture) : IAsyncLifetime
{
    readonly string environment = "itd-" + Guid.NewGuid().ToString("N")[..8];
    readonly TestServicesFolder services = new(("web", [], new Dictionary<string, string>()));
    readonly string artifacts = Directory.CreateTempSubdirectory("local-destroy-").FullName;

    string Repository => $"{DeploymentNames.RepositoryNamespace(environment)}/web";

    LocalGateway Gateway => new(RepositoryRoot.Find(), artifacts);

    LocalEnvironmentDestroyer Destroyer => new(fixture.Docker, Gateway, environment);

    static Task Confirmed(CancellationToken _) => Task.CompletedTask;

    /// <summary>The test image tagged for this environment under two tags (an older build and the running one), and web running from it.</summary>
    async Task DeployAsync()
    {
        foreach (var tag in new[] { fixture.FirstTag, fixture.SecondTag })
            LocalTestImage.Docker(["tag", $"{LocalTestImage.Repository}:{fixture.FirstTag}", $"{Repository}:{tag}"]);
        var runner = new LocalServiceRunner(fixture.Docker, fixture.Routes(fixture.NoGatewayPort), LocalPlatformNaming.ForEnvironment(environment), TimeSpan.FromSeconds(60));
        var images = services.Catalog.Services.Select(s => new ServiceImage(s, Repository, fixture.SecondTag)).ToList();
        await runner.EnsureRunningAsync(images, services.Catalog, dryRun: false, new RecordingStepLog(), default);
    }

    async Task<IReadOnlyList<string>> ContainersAsync() =>
        (await fixture.Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{LocalPlatformNaming.PlatformLabel}={environment}"] = true } },
        })).Select(c => c.Names[0].TrimStart('/')).ToList();

    async Task<IReadOnlyList<string>> ImagesAsync() =>
        (await fixture.Docker.Images.ListImagesAsync(new ImagesListParameters())).SelectMany(i => i.RepoTags ?? []).Where(t => t.StartsWith(Repository + ":")).Order().ToList();

    [LocalDockerFact]
    public async Task Destroy_removes_the_environments_containers_and_images_and_a_second_run_is_a_no_op()
    {
        await DeployAsync();
        (await ContainersAsync()).Should().Equal($"apigw-{environment}-web");
        var log = new RecordingStepLog();

        var outcome = await Destroyer.DestroyAsync(Confirmed, dryRun: false, log, default);

        (await ContainersAsync()).Should().BeEmpty();
        (await ImagesAsync()).Should().BeEmpty();
        outcome.Images.Should().Equal($"{Repository}:{fixture.FirstTag}", $"{Repository}:{fixture.SecondTag}");
        (await fixture.Docker.Images.InspectImageAsync($"{LocalTestImage.Repository}:{fixture.FirstTag}")).Should().NotBeNull("only this environment's tags go");
        log.Text.Should().Contain($"apigw-{environment}-web: stopped and removed").And.Contain($"image {Repository}:{fixture.SecondTag}: removed")
            .And.Contain($"Environment {environment} is removed from the local platform: 1 container(s), 2 image reference(s).");

        var again = new RecordingStepLog();
        var second = await Destroyer.DestroyAsync(_ => throw new InvalidOperationException("nothing to confirm"), dryRun: false, again, default);

        second.NothingExisted.Should().BeTrue();
        again.Text.Should().Contain($"Nothing of environment {environment} exists on the local platform: no container, no gateway, no image.");
    }

    [LocalDockerFact]
    public async Task A_dry_run_or_a_refused_confirmation_removes_nothing()
    {
        await DeployAsync();
        var log = new RecordingStepLog();

        await Destroyer.DestroyAsync(_ => throw new InvalidOperationException("a dry run asks nothing"), dryRun: true, log, default);
        var refused = () => Destroyer.DestroyAsync(_ => throw new PipelineException("'y' is not 'itd': nothing was changed."), dryRun: false, new RecordingStepLog(), default);

        await refused.Should().ThrowAsync<PipelineException>();
        (await ContainersAsync()).Should().Equal($"apigw-{environment}-web");
        (await ImagesAsync()).Should().HaveCount(2);
        log.Text.Should().Contain($"Destroy would remove environment {environment} from the local platform:")
            .And.Contain($"containers: apigw-{environment}-web").And.Contain($"{Repository}:{fixture.SecondTag}").And.Contain("Dry run: nothing was removed.");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        try
        {
            if (LocalDockerFactAttribute.Missing is null)
                await Destroyer.DestroyAsync(Confirmed, dryRun: false, new RecordingStepLog(), default);
        }
        finally
        {
            services.Dispose();
            Directory.Delete(artifacts, recursive: true);
        }
    }
}
