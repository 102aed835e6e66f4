using System.Security.Cryptography;
using System.Text;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Images;

/// <summary>
/// Derives a service's immutable image tag from what goes into the image: every file of its build context
/// (after <c>.dockerignore</c>), its Dockerfile, the base images its FROM lines resolve to and the build
/// arguments that change content. Timestamps and the folder the sources sit in do not count, so the same
/// sources give the same tag on every machine.
/// </summary>
public static class ImageTagger
{
    public const int TagLength = 16;

    /// <summary>The build argument through which Dockerfiles take their base-image registry (<c>FROM ${BASE_IMAGE_PREFIX}python:…</c>).</summary>
    public const string BaseImagePrefixArgument = "BASE_IMAGE_PREFIX";

    /// <summary>The build argument that carries the tag into the image (services report it on their health endpoint).</summary>
    public const string VersionArgument = "VERSION";

    public const string Platform = "linux/amd64";

    public static string ComputeTag(ServiceManifest service, string? baseImageRegistry)
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
        foreach (var baseImage in DockerfileBaseImages.Resolve(dockerfileText, buildArgs))
            Append(hash, "from\0" + baseImage + "\0");
        foreach (var (name, value) in buildArgs.OrderBy(a => a.Key, StringComparer.Ordinal))
            Append(hash, $"arg\0{name}={value}\0");
        Append(hash, "platform\0" + Platform);
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..TagLength];
    }

    /// <summary>The image of <paramref name="service"/> in <paramref name="repositoryRoot"/> (e.g. <c>127.0.0.1:5000</c> or <c>127.0.0.1:5000/team</c>), tagged by its content.</summary>
    public static ServiceImage ImageFor(ServiceManifest service, string repositoryRoot, string? baseImageRegistry) =>
        new(service, $"{repositoryRoot.TrimEnd('/')}/{service.Name}", ComputeTag(service, baseImageRegistry));

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
