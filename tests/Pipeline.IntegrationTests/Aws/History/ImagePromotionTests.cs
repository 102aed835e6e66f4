using Pipeline.Build.Aws.History;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Aws.History;

/// <summary>
/// Promotion against moto (the source environment's deploy history in S3) and the local registry (its images): the images
/// of dev's record are copied into prod's repositories with the same digests; a source without history, and a record whose
/// image is gone, are refused before anything is copied.
/// </summary>
public sealed class ImagePromotionTests(MotoServer moto) : MotoTests(moto)
{
    readonly string dev = "pd" + Guid.NewGuid().ToString("N")[..8];
    readonly string prod = "pp" + Guid.NewGuid().ToString("N")[..8];
    readonly string root = Directory.CreateTempSubdirectory("pipeline-promotion-").FullName;
    readonly ServiceCatalog catalog = ServiceCatalog.Load(ServiceCatalog.FindServicesDirectory());

    DeploySettings ProdSettings => new()
    {
        RootDirectory = root,
        ArtifactsDirectory = Path.Combine(root, "artifacts"),
        Catalog = catalog,
        Environment = prod,
        DryRun = false,
        Registry = Requires.LocalRegistry,
    };

    ImageDestination ProdRegistry => new($"{Requires.LocalRegistry}/{DeploymentNames.RepositoryNamespace(prod)}", null, IsRegistry: true);

    /// <summary>Pushes an image per service into dev's repositories and records a successful Deploy of them in dev's history.</summary>
    async Task<(DeployHistoryRecord Record, IReadOnlyDictionary<string, string> Digests)> DeployedDevAsync(string tag)
    {
        var digests = new Dictionary<string, string>();
        foreach (var service in catalog.Names)
            digests[service] = (await RegistryTestImage.PushAsync(Http, Requires.LocalRegistry, DeploymentNames.Repository(dev, service), tag)).Digest;
        var record = new DeployHistoryRecord
        {
            Id = HistoryId.New(DateTimeOffset.UtcNow),
            Environment = dev,
            Target = "Deploy",
            Time = DateTimeOffset.UtcNow,
            Outcome = Outcomes.Succeeded,
            Services = catalog.Names.Select(s => new HistoryImage(s, $"{Requires.LocalRegistry}/{DeploymentNames.Repository(dev, s)}", tag, digests[s])).ToList(),
        };
        var (history, _) = await DeployHistory.ForAccountAsync(Connection, dev, default);
        await history.WriteAsync(record, new RecordingStepLog(), default);
        return (record, digests);
    }

    [RegistryFact]
    public async Task Devs_recorded_images_are_copied_into_prods_repositories_with_the_same_digests()
    {
        var (record, digests) = await DeployedDevAsync("v" + Guid.NewGuid().ToString("N")[..12]);
        var promotion = new ImagePromotion(Connection, ProdSettings);
        var log = new RecordingStepLog();

        var plan = await promotion.PlanAsync(dev, null, log, default);
        var images = ImagePromotion.ImagesIn(plan, ProdRegistry, catalog);
        var copied = await promotion.CopyAsync(plan, images, ProdRegistry, log, default);

        plan.Reference.Should().Be($"{dev}/{record.Id}");
        log.Text.Should().Contain($"Promotion to {prod}: the images of {dev}'s Deploy {record.Id}").And.Contain("nothing is built");
        foreach (var image in copied)
        {
            image.Repository.Should().Be($"{Requires.LocalRegistry}/{DeploymentNames.Repository(prod, image.Service.Name)}");
            image.Digest.Should().Be(digests[image.Service.Name]);
            (await RegistryTestImage.DigestOfAsync(Http, Requires.LocalRegistry, DeploymentNames.Repository(prod, image.Service.Name), image.Tag))
                .Should().Be(digests[image.Service.Name], $"{image.Service.Name} runs in prod as the very image dev verified");
        }
    }

    [Fact]
    public async Task A_source_without_history_is_refused_with_how_to_start_one()
    {
        var act = () => new ImagePromotion(Connection, ProdSettings).PlanAsync("nohistory" + Guid.NewGuid().ToString("N")[..6], null, new RecordingStepLog(), default);

        (await act.Should().ThrowAsync<PipelineException>()).Which.Message
            .Should().Contain("has no deploy history in s3://apigw-templates-123456789012-us-east-1/history/nohistory")
            .And.Contain("so there are no verified images to promote. Deploy");
    }

    [RegistryFact]
    public async Task A_record_whose_image_is_gone_is_refused_before_anything_is_copied()
    {
        var (record, digests) = await DeployedDevAsync("g" + Guid.NewGuid().ToString("N")[..12]);
        var gone = catalog.Names.First();
        await RegistryTestImage.DeleteAsync(Http, Requires.LocalRegistry, DeploymentNames.Repository(dev, gone), digests[gone]);
        var promotion = new ImagePromotion(Connection, ProdSettings);
        var plan = await promotion.PlanAsync(dev, record.Id, new RecordingStepLog(), default);

        var act = () => promotion.CopyAsync(plan, ImagePromotion.ImagesIn(plan, ProdRegistry, catalog), ProdRegistry, new RecordingStepLog(), default);

        (await act.Should().ThrowAsync<PipelineException>()).Which.Message.Should().Contain($"@{digests[gone]} is not in the registry any more");
        (await RegistryTestImage.DigestOfAsync(Http, Requires.LocalRegistry, DeploymentNames.Repository(prod, gone), record.Services[0].Tag)).Should().BeNull();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(root, recursive: true);
    }
}
