using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Images;

/// <summary>
/// Makes sure the base images a Dockerfile's FROM lines name are in the engine before its build starts, pulling the
/// missing ones. A pull that fails is reported as what it is, a base image the engine cannot get, with the registry
/// it tried and the two ways out, instead of as a failed build whose Dockerfile the user would go looking at.
/// </summary>
public static class BaseImagePuller
{
    public const string DockerHub = "Docker Hub (registry-1.docker.io)";

    public static async Task EnsurePresentAsync(
        DockerClient docker, string dockerfilePath, string? baseImageRegistry, IStepLog log, CancellationToken cancellationToken)
    {
        var baseImages = DockerfileBaseImages.Resolve(await File.ReadAllTextAsync(dockerfilePath, cancellationToken), ImageTagger.ContentBuildArgs(baseImageRegistry));
        foreach (var baseImage in baseImages.Distinct(StringComparer.Ordinal))
        {
            if (!BaseImageIdentity.IsScratch(baseImage))
                await EnsurePresentAsync(docker, baseImage, dockerfilePath, baseImageRegistry, log, cancellationToken);
        }
    }

    /// <summary>The engine's image for <paramref name="baseImage"/>, pulled first when the engine does not have it.</summary>
    internal static async Task<ImageInspectResponse> EnsurePresentAsync(
        DockerClient docker, string baseImage, string dockerfilePath, string? baseImageRegistry, IStepLog log, CancellationToken cancellationToken)
    {
        if (await TryInspectAsync(docker, baseImage, cancellationToken) is { } present)
            return present;
        log.Info($"pulling base image {baseImage} from {RegistryOf(baseImage)}");
        var error = await PullAsync(docker, baseImage, cancellationToken);
        if (error is not null)
            throw new PipelineException(NotPulledMessage(baseImage, error, dockerfilePath, baseImageRegistry));
        return await TryInspectAsync(docker, baseImage, cancellationToken)
            ?? throw new PipelineException(NotPulledMessage(baseImage, "the engine reported no error but does not have the image afterwards", dockerfilePath, baseImageRegistry));
    }

    /// <summary>
    /// Pulls <paramref name="baseImage"/> again (<c>--pull</c>), so the engine has what its registry holds under the name now.
    /// When the pull fails but the engine has the image (offline, say), warns and returns the local one; when the engine
    /// does not have it either, fails with the same message as a missing image that cannot be pulled.
    /// </summary>
    internal static async Task<ImageInspectResponse> PullAgainAsync(
        DockerClient docker, string baseImage, string dockerfilePath, string? baseImageRegistry, IStepLog log, CancellationToken cancellationToken)
    {
        log.Info($"pulling base image {baseImage} again from {RegistryOf(baseImage)} (--pull)");
        var error = await PullAsync(docker, baseImage, cancellationToken);
        var image = await TryInspectAsync(docker, baseImage, cancellationToken);
        if (error is null && image is not null)
            return image;
        if (image is null)
            throw new PipelineException(NotPulledMessage(baseImage, error ?? "the engine reported no error but does not have the image afterwards", dockerfilePath, baseImageRegistry));
        log.Warn($"could not pull base image {baseImage} again from {RegistryOf(baseImage)} ({error!.Trim().TrimEnd('.')}); " +
                 $"using the one the engine has ({image.ID})");
        return image;
    }

    /// <summary>The registry an image reference is pulled from: its first component when that names a host, else Docker Hub.</summary>
    public static string RegistryOf(string imageReference)
    {
        var slash = imageReference.IndexOf('/');
        if (slash < 0)
            return DockerHub;
        var first = imageReference[..slash];
        return first.Contains('.') || first.Contains(':') || first == "localhost" ? first : DockerHub;
    }

    internal static string NotPulledMessage(string baseImage, string engineReason, string dockerfilePath, string? baseImageRegistry)
    {
        var mirror = string.IsNullOrWhiteSpace(baseImageRegistry)
            ? "pull base images from a mirror that holds them under their official names: --base-image-registry <host:port> (or BASE_IMAGE_REGISTRY=<host:port>), e.g. 127.0.0.1:5000"
            : $"fix or drop --base-image-registry / BASE_IMAGE_REGISTRY (now {baseImageRegistry.TrimEnd('/')}): it must name a registry that answers and holds this image under its official name";
        return $"Base image {baseImage} could not be pulled from {RegistryOf(baseImage)}: {engineReason.Trim().TrimEnd('.')}. " +
               $"The base image is unavailable; {Path.GetFileName(Path.GetDirectoryName(dockerfilePath))}/{Path.GetFileName(dockerfilePath)} is not what needs fixing. Two ways out: " +
               $"(1) {mirror}; (2) on a machine that cannot reach Docker Hub or mcr.microsoft.com, run `sudo .ci/setup deploy` once: " +
               "it publishes stand-in base images and tags them under their official names in this engine, so no option is needed.";
    }

    internal static async Task<ImageInspectResponse?> TryInspectAsync(DockerClient docker, string image, CancellationToken cancellationToken)
    {
        try
        {
            return await docker.Images.InspectImageAsync(image, cancellationToken);
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
    }

    /// <returns>The engine's reason when the pull failed, else null.</returns>
    static async Task<string?> PullAsync(DockerClient docker, string image, CancellationToken cancellationToken)
    {
        var (name, tag) = SplitTag(image);
        string? error = null;
        try
        {
            await docker.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = name, Tag = tag, Platform = ImageTagger.Platform },
                new AuthConfig(),
                new SynchronousProgress<JSONMessage>(message =>
                {
                    if (message.Error?.Message is { Length: > 0 } text)
                        error = text;
                }),
                cancellationToken);
        }
        catch (DockerApiException e)
        {
            error = e.ResponseBody is { Length: > 0 } body ? ErrorOf(body) : e.Message;
        }
        return error;
    }

    static string ErrorOf(string responseBody)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(responseBody);
            if (json.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
                return text;
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return responseBody.Trim();
    }

    /// <summary><c>127.0.0.1:5000/python:3.13</c> → (<c>127.0.0.1:5000/python</c>, <c>3.13</c>); a digest stays with the name.</summary>
    internal static (string Name, string? Tag) SplitTag(string image)
    {
        if (image.Contains('@'))
            return (image, null);
        var lastSlash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > lastSlash ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }
}
