using System.Security.Cryptography;
using System.Text;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Images;

/// <summary>
/// Derives a service's immutable image tag from what goes into the image: every file of its build context
/// (after <c>.dockerignore</c>), its Dockerfile, the base images its FROM lines resolve to (by name and by identity:
/// registry digest, else local image ID, see <see cref="IBaseImageResolver"/>) and the build arguments that change
/// content. Timestamps and the folder the sources sit in do not count, so the same sources on the same base images
/// give the same tag on every machine, and a patched base image under the same name gives a new one.
/// </summary>
public static class ImageTagger
{
    public const int TagLength = 16;

    /// <summary>The build argument through which Dockerfiles take their base-image registry (<c>FROM ${BASE_IMAGE_PREFIX}python:…</c>).</summary>
    public const string BaseImagePrefixArgument = "BASE_IMAGE_PREFIX";

    /// <summary>The build argument that carries the tag into the image (services report it on their health endpoint).</summary>
    public const string VersionArgument = "VERSION";

    public const string Platform = "linux/amd64";

    /// <summary>Begins the warning a run gives, once, when some tag went by a base image's name only.</summary>
    public const string NameOnlyWarning = "tags computed without base-image digests";

    static readonly NameOnlyBaseImageResolver NameOnlyResolver = new();

    /// <summary>
    /// The tag with base images by name only (<see cref="NameOnlyBaseImageResolver"/>): needs no engine, but a build
    /// tags by base-image digests, so use <see cref="ComputeTagAsync"/> or <see cref="ImagesForAsync(IEnumerable{ServiceManifest}, string, ImageBuildOptions, DockerEngine, IStepLog, CancellationToken)"/>
    /// for the tags a run builds and deploys.
    /// </summary>
    public static string ComputeTag(ServiceManifest service, string? baseImageRegistry)
    {
        var baseImages = BaseImagesOf(service, baseImageRegistry);
        return ComputeTag(service, baseImageRegistry, baseImages.Select(NameOnlyResolver.Resolve).ToList());
    }

    /// <summary>The tag of <paramref name="service"/> with its base images as <paramref name="resolver"/> identifies them.</summary>
    public static async Task<string> ComputeTagAsync(
        ServiceManifest service, string? baseImageRegistry, IBaseImageResolver resolver, CancellationToken cancellationToken = default) =>
        (await TagAsync(service, baseImageRegistry, resolver, null, cancellationToken)).Tag;

    /// <summary>
    /// The tag from the content and the given identities of the base images, one per FROM image in order (as
    /// <see cref="BaseImagesOf"/> lists them).
    /// </summary>
    /// <param name="hostPublish">Set when the image is published on the host: its SDK and settings count too (<see cref="HostPublish.TagInput"/>).</param>
    public static string ComputeTag(
        ServiceManifest service, string? baseImageRegistry, IReadOnlyList<BaseImageIdentity> baseImages, HostPublish? hostPublish = null)
    {
        var dockerfile = RequireDockerfile(service);
        var context = BuildContext.Load(service.Directory);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var entry in context.Entries)
        {
            Append(hash, $"{entry.Kind}\0{entry.RelativePath}\0{(entry.IsExecutable ? "x" : "-")}\0{entry.LinkTarget}\0");
            if (entry.Kind == BuildContextEntryKind.File)
            {
                var bytes = File.ReadAllBytes(entry.FullPath(context.Directory));
                Append(hash, bytes.Length + "\0");
                hash.AppendData(bytes);
            }
        }
        var dockerfileText = File.ReadAllText(dockerfile);
        Append(hash, "dockerfile\0" + dockerfileText + "\0");
        var buildArgs = ContentBuildArgs(baseImageRegistry);
        var references = DockerfileBaseImages.Resolve(dockerfileText, buildArgs);
        if (!references.SequenceEqual(baseImages.Select(b => b.Reference), StringComparer.Ordinal))
            throw new ArgumentException(
                $"{service.Name}: base image identities ({string.Join(", ", baseImages.Select(b => b.Reference))}) do not match the Dockerfile's FROM images ({string.Join(", ", references)})",
                nameof(baseImages));
        foreach (var baseImage in baseImages)
            Append(hash, "from\0" + baseImage.HashInput + "\0");
        foreach (var (name, value) in buildArgs.OrderBy(a => a.Key, StringComparer.Ordinal))
            Append(hash, $"arg\0{name}={value}\0");
        Append(hash, "platform\0" + Platform);
        if (hostPublish is not null)
            Append(hash, "\0" + hostPublish.TagInput);
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..TagLength];
    }

    /// <summary>
    /// The image of <paramref name="service"/> in <paramref name="repositoryRoot"/> (e.g. <c>127.0.0.1:5000</c> or <c>127.0.0.1:5000/team</c>),
    /// tagged by its content with base images by name only; see <see cref="ComputeTag(ServiceManifest, string?)"/>.
    /// </summary>
    public static ServiceImage ImageFor(ServiceManifest service, string repositoryRoot, string? baseImageRegistry) =>
        new(service, RepositoryOf(service, repositoryRoot), ComputeTag(service, baseImageRegistry));

    /// <summary>
    /// The images of <paramref name="services"/>, tagged by content with their base images resolved through the engine
    /// (<see cref="EngineBaseImageResolver"/>: <see cref="ImageBuildOptions.Pull"/> pulls every base image again first,
    /// <see cref="ImageBuildOptions.DryRun"/> pulls nothing).
    /// </summary>
    public static Task<IReadOnlyList<ServiceImage>> ImagesForAsync(
        IEnumerable<ServiceManifest> services, string repositoryRoot, ImageBuildOptions options, DockerEngine engine, IStepLog log,
        CancellationToken cancellationToken = default) =>
        ImagesForAsync(services, repositoryRoot, options.BaseImageRegistry, new EngineBaseImageResolver(engine, options, log), log, options.ImageBuild,
            cancellationToken);

    /// <summary>
    /// The images of <paramref name="services"/>, tagged by content with base images as <paramref name="resolver"/>
    /// identifies them. Logs each service's base images once ("fastapi: base python:3.13.9-slim-trixie = sha256:77a34efb3c86… (…)"),
    /// and warns once when some went by name only, since the real run may then compute other tags. <paramref name="imageBuild"/>
    /// decides which .NET services are published on the host (<see cref="HostPublish.ForAsync"/>), which their tags include.
    /// </summary>
    public static async Task<IReadOnlyList<ServiceImage>> ImagesForAsync(
        IEnumerable<ServiceManifest> services, string repositoryRoot, string? baseImageRegistry, IBaseImageResolver resolver, IStepLog log,
        ImageBuildMode imageBuild = ImageBuildMode.Dockerfile, CancellationToken cancellationToken = default)
    {
        var selected = services.ToList();
        // Every Dockerfile is checked before the engine is asked anything.
        foreach (var service in selected)
            RequireDockerfile(service);
        var tagged = await PerService.RunAllAsync(
            selected.Select(async service =>
            {
                var hostPublish = await HostPublish.ForAsync(service, imageBuild, baseImageRegistry, new PrefixedStepLog(log, service.Name), cancellationToken);
                return (Tagged: await TagAsync(service, baseImageRegistry, resolver, hostPublish, cancellationToken), HostPublish: hostPublish);
            }).ToList(), cancellationToken);
        foreach (var ((service, tag, baseImages), _) in tagged)
            new PrefixedStepLog(log, service.Name).Info(
                "base " + string.Join(", ", baseImages.Distinct().Select(b => b.ToString())));
        if (NameOnlyWarningFor(tagged.SelectMany(t => t.Tagged.BaseImages)) is { } warning)
            log.Warn(warning);
        return tagged.Select(t => new ServiceImage(t.Tagged.Service, RepositoryOf(t.Tagged.Service, repositoryRoot), t.Tagged.Tag) { HostPublish = t.HostPublish })
            .ToList();
    }

    /// <summary>The base images the FROM lines of <paramref name="service"/>'s Dockerfile resolve to, in order.</summary>
    public static IReadOnlyList<string> BaseImagesOf(ServiceManifest service, string? baseImageRegistry) =>
        DockerfileBaseImages.Resolve(File.ReadAllText(RequireDockerfile(service)), ContentBuildArgs(baseImageRegistry));

    static async Task<(ServiceManifest Service, string Tag, IReadOnlyList<BaseImageIdentity> BaseImages)> TagAsync(
        ServiceManifest service, string? baseImageRegistry, IBaseImageResolver resolver, HostPublish? hostPublish, CancellationToken cancellationToken)
    {
        var baseImages = new List<BaseImageIdentity>();
        foreach (var reference in BaseImagesOf(service, baseImageRegistry))
            baseImages.Add(await resolver.ResolveAsync(reference, service.DockerfilePath, cancellationToken));
        return (service, ComputeTag(service, baseImageRegistry, baseImages, hostPublish), baseImages);
    }

    static string? NameOnlyWarningFor(IEnumerable<BaseImageIdentity> baseImages)
    {
        var reasons = baseImages
            .Where(b => b.Fallback is not null)
            .DistinctBy(b => b.Reference)
            .GroupBy(b => b.Fallback!)
            .Select(g => $"{g.Key}, for {string.Join(", ", g.Select(b => b.Reference).Order(StringComparer.Ordinal))}")
            .ToList();
        return reasons.Count == 0
            ? null
            : $"{NameOnlyWarning}: {string.Join("; ", reasons)}. The base images count by name only, so the real run may use other tags.";
    }

    static string RepositoryOf(ServiceManifest service, string repositoryRoot) => $"{repositoryRoot.TrimEnd('/')}/{service.Name}";

    /// <summary>Build arguments that change what is built (so they are part of the tag); VERSION is the tag itself and is not.</summary>
    public static IReadOnlyDictionary<string, string> ContentBuildArgs(string? baseImageRegistry) =>
        new Dictionary<string, string>
        {
            [BaseImagePrefixArgument] = string.IsNullOrWhiteSpace(baseImageRegistry) ? "" : baseImageRegistry.TrimEnd('/') + "/",
        };

    internal static string RequireDockerfile(ServiceManifest service)
    {
        if (!File.Exists(service.DockerfilePath))
            throw new PipelineException(
                $"{service.Name}: Dockerfile missing at {service.DockerfilePath}. Add a Dockerfile to the service folder " +
                $"(it builds the service's image), or remove the folder's {ServiceCatalog.ManifestFileName} if it is not a service.");
        return service.DockerfilePath;
    }

    static void Append(IncrementalHash hash, string text) => hash.AppendData(Encoding.UTF8.GetBytes(text));
}
