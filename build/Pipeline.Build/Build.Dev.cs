using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Build.Local;
using Pipeline.Manifests;

namespace Pipeline.Build;

/// <summary>The inner loop: the platform up as a Deploy leaves it, then every saved change served through the gateway within seconds.</summary>
public sealed partial class Build
{
    Target Dev => _ => _
        .Description("Deploy locally, then watch the services' sources (or --service) and serve each save through the gateway, with the same auth, " +
                     "once its unit tests pass; Ctrl-C ends it and the deployed containers serve again")
        .DependsOn(DeployInfra, HealthCheck)
        .HoldsForTheRun(EnvironmentLock)
        .Executes(async () => await ((LocalPlatform)PlatformSteps()).DevAsync(await ImagesAsync(), RebuildImageAsync, Log, Cancellation));

    /// <summary>A watched service's new image after a save to its dependencies, Dockerfile or manifest (read again: it may have changed).</summary>
    async Task<ServiceImage> RebuildImageAsync(ServiceManifest service, CancellationToken cancellation)
    {
        ServiceManifest current;
        try
        {
            current = ServiceCatalog.Load(Path.Combine(RootDirectory, "services"))[service.Name];
        }
        catch (ManifestException e)
        {
            throw new PipelineException($"{e.Message} Fix it and save again; the serving version is unchanged.");
        }
        var destination = await PlatformSteps().ImageDestinationAsync(cancellation);
        using var engine = new DockerEngine();
        using var registry = new RegistryClient();
        var options = new ImageBuildOptions { BaseImageRegistry = BaseImageRegistry };
        var images = await ImageTagger.ImagesForAsync([current], destination.RepositoryRoot, options, engine, new QuietStepLog(Log), cancellation);
        var built = await new ImageBuilder(engine, registry).BuildAsync(images, options, Log, cancellation);
        return built.Single().Image;
    }

    void ValidateDevInvocation(IReadOnlyCollection<string> invokedTargets)
    {
        if (!invokedTargets.Contains(nameof(Dev), StringComparer.OrdinalIgnoreCase))
            return;
        if (Platform != PlatformKind.Local)
            throw new PipelineException(
                $"Dev serves saved changes on the local platform only; this run targets {Platform} (--platform or a profile). " +
                "Run ./build.sh Dev without --profile/--platform, and ./build.sh Redeploy --service <name> --profile <name> to ship a change to AWS.");
        if (DryRun)
            throw new PipelineException("Dev watches and serves changes until Ctrl-C; it has no dry run. ./build.sh Deploy --plan shows what its first part would run.");
    }
}
