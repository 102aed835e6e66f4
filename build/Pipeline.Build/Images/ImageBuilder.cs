using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Images;

/// <summary>
/// Builds each service's image from its own Dockerfile through the Docker Engine API, all services at once, or for a
/// .NET service tagged for the host image path (<see cref="ServiceImage.HostPublish"/>) from a publish on the host and
/// its Dockerfile's runtime-base stage. A tag that already exists (in the target registry, or in the local engine) is
/// not rebuilt. Host publishes use <paramref name="buildServers"/>' compiler and MSBuild servers when given (the owner
/// shuts down the ones its run started), and none otherwise.
/// </summary>
public sealed class ImageBuilder(DockerEngine engine, RegistryClient registry, DotnetBuildServers? buildServers = null)
{
    /// <summary>Label naming the service an image belongs to.</summary>
    public const string ServiceLabel = "pipeline.service";

    public async Task<IReadOnlyList<ImageBuildResult>> BuildAsync(
        IReadOnlyList<ServiceImage> images, ImageBuildOptions options, IStepLog log, CancellationToken cancellationToken = default)
    {
        // Every Dockerfile is checked before anything starts, so a missing one does not leave half the images built.
        foreach (var image in images)
            ImageTagger.RequireDockerfile(image.Service);
        var builds = images.Select(image => BuildOneAsync(image, options, new PrefixedStepLog(log, image.Service.Name), cancellationToken)).ToList();
        return await PerService.RunAllAsync(builds, cancellationToken);
    }

    async Task<ImageBuildResult> BuildOneAsync(ServiceImage image, ImageBuildOptions options, IStepLog log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var existing = await FindExistingAsync(image, options, log, cancellationToken);
        if (existing is not null)
            return existing with { Duration = clock.Elapsed };
        if (options.DryRun)
        {
            log.Info(image.HostPublish is null
                ? $"would build {image.Reference} from {image.Service.DockerfilePath}"
                : $"would publish {Path.GetFileName(image.HostPublish.ProjectPath)} on the host and build {image.Reference} on the runtime-base stage of {image.Service.DockerfilePath}");
            return new ImageBuildResult(image, ImageBuildOutcome.WouldBuild, clock.Elapsed);
        }

        var docker = await engine.ConnectAsync(cancellationToken);
        log.Info($"building {image.Reference}");
        var imageId = image.HostPublish is { } hostPublish
            ? await RunHostBuildAsync(docker, image, hostPublish, options, log, cancellationToken)
            : await RunBuildAsync(docker, image, options, log, cancellationToken);
        log.Info($"built {image.Reference} ({ShortId(imageId)}) in {clock.Elapsed.TotalSeconds:0.0} s");
        return new ImageBuildResult(image, ImageBuildOutcome.Built, clock.Elapsed, imageId);
    }

    async Task<ImageBuildResult?> FindExistingAsync(ServiceImage image, ImageBuildOptions options, IStepLog log, CancellationToken cancellationToken)
    {
        try
        {
            if (options.CheckRegistry &&
                await registry.TryGetDigestAsync(image.Repository, image.Tag, options.RegistryCredentials, cancellationToken) is { } digest)
            {
                log.Info($"{image.Reference} already in the registry ({digest}); not rebuilt");
                return new ImageBuildResult(image with { Digest = digest }, ImageBuildOutcome.AlreadyInRegistry, TimeSpan.Zero);
            }
            var docker = await engine.ConnectAsync(cancellationToken);
            var local = await docker.Images.InspectImageAsync(image.Reference, cancellationToken);
            log.Info($"{image.Reference} already built ({ShortId(local.ID)}); not rebuilt");
            return new ImageBuildResult(image, ImageBuildOutcome.AlreadyLocal, TimeSpan.Zero, local.ID);
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
        catch (PipelineException e) when (options.DryRun)
        {
            // A dry run still says what it would do when it cannot look.
            log.Warn($"cannot tell whether {image.Reference} exists: {e.Message}");
            return null;
        }
    }

    static async Task<string> RunBuildAsync(
        DockerClient docker, ServiceImage image, ImageBuildOptions options, IStepLog log, CancellationToken cancellationToken)
    {
        var service = image.Service;
        WarnAboutUnprefixedBaseImages(service.DockerfilePath, options, log);
        await BaseImagePuller.EnsurePresentAsync(docker, service.DockerfilePath, options.BaseImageRegistry, log, cancellationToken);
        var parameters = BuildParameters(options, image.Reference, ImageLabels(image));
        parameters.BuildArgs = BuildArguments(image, options);
        await RunEngineBuildAsync(docker, service, service.Directory, parameters, $"Fix {service.DockerfilePath} or the service's sources", log, cancellationToken);
        return await InspectBuiltAsync(docker, image.Reference, service, cancellationToken);
    }

    /// <summary>
    /// The host image path: the publish and the runtime-base stage at once (the stage is cached and cheap, and it is
    /// where the Dockerfile path builds on too), then one thin build adds the published folder with the same labels.
    /// </summary>
    async Task<string> RunHostBuildAsync(
        DockerClient docker, ServiceImage image, HostPublish hostPublish, ImageBuildOptions options, IStepLog log, CancellationToken cancellationToken)
    {
        var service = image.Service;
        WarnAboutUnprefixedBaseImages(service.DockerfilePath, options, log);
        await BaseImagePuller.EnsurePresentAsync(docker, service.DockerfilePath, options.BaseImageRegistry, log, cancellationToken);
        var context = ScratchFiles.NewPath($"host-image-{service.Name}");
        Directory.CreateDirectory(context);
        try
        {
            var clock = Stopwatch.StartNew();
            var publish = Task.Run(async () =>
            {
                await hostPublish.PublishAsync(service, Path.Combine(context, HostPublish.PublishedFolder), buildServers, log, cancellationToken);
                log.Info($"published on the host in {clock.Elapsed.TotalSeconds:0.0} s");
            }, cancellationToken);
            var runtimeBaseParameters = BuildParameters(options, reference: null, labels: []);
            runtimeBaseParameters.BuildArgs = BuildArguments(image, options);
            runtimeBaseParameters.Target = HostPublish.RuntimeBaseStage;
            var runtimeBase = RunEngineBuildAsync(docker, service, service.Directory, runtimeBaseParameters,
                $"Fix the {HostPublish.RuntimeBaseStage} stage of {service.DockerfilePath}", log, cancellationToken);
            await Task.WhenAll(publish, runtimeBase);

            var runtimeBaseId = await runtimeBase ?? throw new PipelineException(
                $"{service.Name}: the engine built the {HostPublish.RuntimeBaseStage} stage without reporting its image ID (an engine older than API 1.30?). " +
                "Build with --image-build dockerfile, or update the Docker engine.");
            await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), HostPublish.ThinDockerfile(runtimeBaseId, ImageLabels(image)), cancellationToken);
            await RunEngineBuildAsync(docker, service, context, BuildParameters(options, image.Reference, labels: []),
                "Rerun with --image-build dockerfile to build it in the Dockerfile instead", log, cancellationToken,
                keepFileModes: true); // as the Dockerfile's COPY --from=build keeps what the publish wrote
            return await InspectBuiltAsync(docker, image.Reference, service, cancellationToken);
        }
        finally
        {
            Directory.Delete(context, recursive: true);
        }
    }

    static ImageBuildParameters BuildParameters(ImageBuildOptions options, string? reference, Dictionary<string, string> labels) => new()
    {
        Dockerfile = "Dockerfile",
        Tags = reference is null ? [] : [reference],
        Labels = labels,
        NetworkMode = "host",
        Platform = ImageTagger.Platform,
        Remove = true,
        ForceRemove = true,
        NoCache = options.NoCache,
    };

    static Dictionary<string, string> BuildArguments(ServiceImage image, ImageBuildOptions options) =>
        new(ImageTagger.ContentBuildArgs(options.BaseImageRegistry)) { [ImageTagger.VersionArgument] = image.Tag };

    static Dictionary<string, string> ImageLabels(ServiceImage image) => new()
    {
        [ServiceLabel] = image.Service.Name,
        ["org.opencontainers.image.version"] = image.Tag,
        ["org.opencontainers.image.revision"] = image.Tag,
    };

    /// <summary>Builds <paramref name="contextDirectory"/> with <paramref name="parameters"/>; returns the image ID the engine reports, if it does.</summary>
    static async Task<string?> RunEngineBuildAsync(
        DockerClient docker, ServiceManifest service, string contextDirectory, ImageBuildParameters parameters, string nextStep, IStepLog log,
        CancellationToken cancellationToken, bool keepFileModes = false)
    {
        var what = parameters.Tags is { Count: > 0 } ? parameters.Tags[0] : $"the {parameters.Target} stage";
        await using var context = ScratchFiles.CreateDeletedOnClose("build-context");
        await BuildContext.Load(contextDirectory).WriteTarAsync(context, cancellationToken, keepFileModes);
        context.Position = 0;
        var output = new BuildOutput(log);
        try
        {
            await docker.Images.BuildImageFromDockerfileAsync(
                parameters, context, [], new Dictionary<string, string>(), new SynchronousProgress<JSONMessage>(output.Handle), cancellationToken);
        }
        catch (DockerApiException e)
        {
            output.Handle(new JSONMessage { Error = new JSONError { Message = e.ResponseBody is { Length: > 0 } body ? body.Trim() : e.Message } });
        }
        output.Flush();
        if (output.Error is not null)
            throw new PipelineException(
                $"{service.Name}: building {what} failed: {output.Error.Trim()}\n" +
                $"Last lines of the build output:\n    {string.Join("\n    ", output.Tail)}\n" +
                $"{nextStep}, then rerun.");
        return output.ImageId;
    }

    static async Task<string> InspectBuiltAsync(DockerClient docker, string reference, ServiceManifest service, CancellationToken cancellationToken)
    {
        try
        {
            return (await docker.Images.InspectImageAsync(reference, cancellationToken)).ID;
        }
        catch (DockerImageNotFoundException)
        {
            throw new PipelineException(
                $"{service.Name}: the engine reported no error but has no image {reference} afterwards. Rerun; if it persists, check the engine's log.");
        }
    }

    static void WarnAboutUnprefixedBaseImages(string dockerfilePath, ImageBuildOptions options, IStepLog log)
    {
        var prefix = ImageTagger.ContentBuildArgs(options.BaseImageRegistry)[ImageTagger.BaseImagePrefixArgument];
        if (prefix.Length == 0)
            return;
        var withoutPrefix = DockerfileBaseImages.Resolve(File.ReadAllText(dockerfilePath), new Dictionary<string, string> { [ImageTagger.BaseImagePrefixArgument] = prefix })
            .Where(baseImage => !baseImage.StartsWith(prefix, StringComparison.Ordinal))
            .ToList();
        foreach (var baseImage in withoutPrefix)
            log.Warn($"FROM {baseImage} does not start with ${{{ImageTagger.BaseImagePrefixArgument}}}: it is pulled from its own registry, not from {options.BaseImageRegistry}.");
    }

    static string ShortId(string imageId) => imageId.Replace("sha256:", "")[..Math.Min(12, imageId.Replace("sha256:", "").Length)];
}

/// <summary>How <see cref="ImageBuilder"/> builds.</summary>
public sealed record ImageBuildOptions
{
    /// <summary>
    /// Registry to pull base images from under their official names (passed to Dockerfiles as
    /// <c>BASE_IMAGE_PREFIX=&lt;registry&gt;/</c>), e.g. <c>127.0.0.1:5000</c>. Default: none, the official registries.
    /// </summary>
    public string? BaseImageRegistry { get; init; }

    /// <summary>Print what would be built, with the tags, and build nothing. Default: false.</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// Whether the images' repositories are in a registry; then a tag already there is not rebuilt.
    /// False for a local platform that keeps images in the engine only. Default: true.
    /// </summary>
    public bool CheckRegistry { get; init; } = true;

    /// <summary>Run every Dockerfile step again instead of reusing the engine's layer cache. Default: false.</summary>
    public bool NoCache { get; init; }

    /// <summary>
    /// Pull every base image again before the tags are computed (<c>--pull</c>), so a patched base image under the same
    /// name gives a new tag and is built on. Applies where the tags are computed (<see cref="ImageTagger.ImagesForAsync(IEnumerable{Pipeline.Manifests.ServiceManifest}, string, ImageBuildOptions, DockerEngine, IStepLog, CancellationToken)"/>);
    /// the build then uses the images just pulled. A failed pull of an image the engine has warns and uses the local one.
    /// Default: false, base images the engine has are used as they are and only missing ones are pulled.
    /// </summary>
    public bool Pull { get; init; }

    /// <summary>Login for the target registry, used to look up existing tags. Default: none (anonymous).</summary>
    public RegistryCredentials? RegistryCredentials { get; init; }

    /// <summary>
    /// Whether .NET services are published on the host (<see cref="HostPublish"/>); applies where the tags are computed,
    /// since the tag says how the image is made. Default: <see cref="ImageBuildMode.Dockerfile"/>, every image from its
    /// Dockerfile alone; the pipeline's <c>--image-build</c> defaults to <see cref="ImageBuildMode.Auto"/>.
    /// </summary>
    public ImageBuildMode ImageBuild { get; init; } = ImageBuildMode.Dockerfile;
}

public enum ImageBuildOutcome
{
    /// <summary>Built by this run.</summary>
    Built,

    /// <summary>The target registry already has this tag: not rebuilt (nor pushed later).</summary>
    AlreadyInRegistry,

    /// <summary>The local engine already has this tag: not rebuilt.</summary>
    AlreadyLocal,

    /// <summary>Dry run: would have been built.</summary>
    WouldBuild,
}

/// <summary>
/// What happened to one service's image. <see cref="ServiceImage.Digest"/> is set when the registry already had it;
/// <see cref="ImageId"/> (the engine's <c>sha256:…</c> image id) when the image is in the local engine.
/// </summary>
public sealed record ImageBuildResult(ServiceImage Image, ImageBuildOutcome Outcome, TimeSpan Duration, string? ImageId = null);
