using System.Collections.Concurrent;
using Docker.DotNet;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Images;

/// <summary>
/// Resolves base images through the Docker engine: the registry digest the engine recorded for the reference, else the
/// local image ID. Uses what the engine has; pulls only a missing image (a dry run pulls nothing), or with
/// <see cref="ImageBuildOptions.Pull"/> every image again first, so a patched base under the same tag changes the tag.
/// When no engine answers it goes by the name (<see cref="BaseImageIdentity.Fallback"/> says why) instead of failing:
/// building needs the engine anyway and says so then. Each reference is resolved once per resolver, however many
/// services name it.
/// </summary>
public sealed class EngineBaseImageResolver(DockerEngine engine, ImageBuildOptions options, IStepLog log) : IBaseImageResolver
{
    readonly ConcurrentDictionary<string, Lazy<Task<BaseImageIdentity>>> resolved = new(StringComparer.Ordinal);
    readonly Lazy<Task<(DockerClient? Client, string? Reason)>> connection = new(() => TryConnectAsync(engine));
    int warnedAboutDryRunPull;

    public Task<BaseImageIdentity> ResolveAsync(string reference, string dockerfilePath, CancellationToken cancellationToken) =>
        resolved.GetOrAdd(reference, r => new Lazy<Task<BaseImageIdentity>>(() => ResolveOnceAsync(r, dockerfilePath, cancellationToken))).Value;

    async Task<BaseImageIdentity> ResolveOnceAsync(string reference, string dockerfilePath, CancellationToken cancellationToken)
    {
        if (BaseImageIdentity.WithoutEngine(reference) is { } known)
            return known;
        var (docker, notReachable) = await connection.Value.WaitAsync(cancellationToken);
        if (docker is null)
            return BaseImageIdentity.NameOnly(reference, notReachable);

        Docker.DotNet.Models.ImageInspectResponse? image;
        if (options.Pull && !options.DryRun)
            image = await BaseImagePuller.PullAgainAsync(docker, reference, dockerfilePath, options.BaseImageRegistry, log, cancellationToken);
        else
        {
            if (options.Pull && Interlocked.Exchange(ref warnedAboutDryRunPull, 1) == 0)
                log.Warn("--pull in a dry run pulls nothing: tags are computed from the base images the engine has now; the real run may use other tags");
            image = options.DryRun
                ? await BaseImagePuller.TryInspectAsync(docker, reference, cancellationToken)
                : await BaseImagePuller.EnsurePresentAsync(docker, reference, dockerfilePath, options.BaseImageRegistry, log, cancellationToken);
        }
        return image is null
            ? BaseImageIdentity.NameOnly(reference, "not in the local engine, and a dry run pulls nothing")
            : BaseImageIdentity.FromEngine(reference, image.ID, image.RepoDigests);
    }

    static async Task<(DockerClient?, string?)> TryConnectAsync(DockerEngine engine)
    {
        try
        {
            return (await engine.ConnectAsync(), null);
        }
        catch (PipelineException e)
        {
            // The engine's message goes on with how to start it; the first sentence is what the warning needs.
            var end = e.Message.IndexOf(". ", StringComparison.Ordinal);
            return (null, end < 0 ? e.Message.TrimEnd('.') : e.Message[..end]);
        }
    }
}
