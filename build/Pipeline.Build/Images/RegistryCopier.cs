using System.Security.Cryptography;
using System.Text.Json;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Images;

/// <summary>
/// Copies an image from one repository to another by digest through the Registry HTTP API: its blobs first (already
/// there, mounted across repositories of one registry when it allows, otherwise downloaded and uploaded with their
/// digests checked), then the manifest's exact bytes under the tag. The copy therefore has the same digest as the source.
/// </summary>
/// <remarks>
/// Not through a Docker engine: pulling and pushing again may re-compress layers that the destination lacks, and a
/// re-compressed layer has another digest, so the "same" image would get another manifest digest. A multi-platform index
/// is copied with every image it lists.
/// </remarks>
public sealed class RegistryCopier(RegistryClient registry)
{
    static readonly string[] IndexMediaTypes =
    [
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.index.v1+json",
    ];

    /// <summary>
    /// Copies <paramref name="sourceRepository"/>@<paramref name="digest"/> to <paramref name="destinationRepository"/>:<paramref name="tag"/>.
    /// A destination tag that already names this digest is left alone; one that names another image is refused (tags are immutable).
    /// </summary>
    public async Task<RegistryCopyResult> CopyAsync(
        string sourceRepository, string digest, string destinationRepository, string tag,
        RegistryCredentials? sourceCredentials, RegistryCredentials? destinationCredentials, bool dryRun, IStepLog log, CancellationToken ct)
    {
        var existing = await registry.TryGetDigestAsync(destinationRepository, tag, destinationCredentials, ct);
        if (existing == digest)
        {
            log.Info($"{destinationRepository}:{tag} is this image already ({digest}); nothing to copy");
            return new RegistryCopyResult(digest, RegistryCopyOutcome.AlreadyThere);
        }
        if (existing is not null)
            throw new PipelineException(
                $"{destinationRepository}:{tag} exists as another image ({existing}), not the one to promote ({digest}): an image was built under the " +
                "same content tag for this environment before. Tags are immutable, so it cannot be replaced. Delete that tag from the registry " +
                $"(ECR: aws ecr batch-delete-image --repository-name {RegistryClient.SplitRepository(destinationRepository).Name} --image-ids imageTag={tag}) and retry, " +
                "or deploy this environment from its own build (without --promote-from).");

        var manifest = await ManifestAsync(sourceRepository, digest, sourceCredentials, ct);
        if (dryRun)
        {
            log.Info($"would copy {sourceRepository}@{digest} to {destinationRepository}:{tag} (same digest)");
            return new RegistryCopyResult(digest, RegistryCopyOutcome.WouldCopy);
        }

        var counts = new BlobCounts();
        var (sourceHost, sourceName) = RegistryClient.SplitRepository(sourceRepository);
        var sameRegistry = sourceHost == RegistryClient.SplitRepository(destinationRepository).Host;
        if (IsIndex(manifest))
            foreach (var child in Children(manifest))
            {
                var childManifest = await ManifestAsync(sourceRepository, child, sourceCredentials, ct);
                await CopyBlobsAsync(childManifest, sourceRepository, sourceName, sameRegistry, destinationRepository, sourceCredentials, destinationCredentials, counts, ct);
                await registry.PutManifestAsync(destinationRepository, child, childManifest, destinationCredentials, ct);
            }
        else
            await CopyBlobsAsync(manifest, sourceRepository, sourceName, sameRegistry, destinationRepository, sourceCredentials, destinationCredentials, counts, ct);

        var copied = await registry.PutManifestAsync(destinationRepository, tag, manifest, destinationCredentials, ct);
        if (copied != digest)
            throw new PipelineException(
                $"{destinationRepository}:{tag} was stored as {copied}, not {digest}: the registry changed the manifest. " +
                "Promotion needs a registry that stores manifests byte for byte (any Docker Registry v2 or ECR does).");
        log.Info($"copied {sourceRepository}@{digest} to {destinationRepository}:{tag}: " +
                 $"{counts.Uploaded} blob(s) uploaded, {counts.Mounted} mounted, {counts.Present} already there");
        return new RegistryCopyResult(digest, RegistryCopyOutcome.Copied, counts.Uploaded, counts.Mounted, counts.Present);
    }

    /// <summary>The manifest with this digest, its bytes checked against it.</summary>
    async Task<RegistryManifest> ManifestAsync(string repository, string digest, RegistryCredentials? credentials, CancellationToken ct)
    {
        var manifest = await registry.GetManifestAsync(repository, digest, credentials, ct)
            ?? throw new PipelineException(
                $"{repository}@{digest} is not in the registry any more, so it cannot be promoted. Deploy the source environment again " +
                "(a new deploy record names images that exist), then promote that record.");
        var actual = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(manifest.Content));
        if (actual != digest)
            throw new PipelineException($"{repository}@{digest}: the registry served a manifest whose digest is {actual}. Check the registry and retry.");
        return manifest;
    }

    async Task CopyBlobsAsync(
        RegistryManifest manifest, string sourceRepository, string sourceName, bool sameRegistry, string destinationRepository,
        RegistryCredentials? sourceCredentials, RegistryCredentials? destinationCredentials, BlobCounts counts, CancellationToken ct)
    {
        foreach (var blob in Blobs(manifest))
        {
            if (await registry.HasBlobAsync(destinationRepository, blob, destinationCredentials, ct))
            {
                counts.Present++;
                continue;
            }
            if (sameRegistry && await registry.TryMountBlobAsync(destinationRepository, blob, sourceName, destinationCredentials, ct))
            {
                counts.Mounted++;
                continue;
            }
            // Through a file: a layer may be hundreds of megabytes, and an upload may have to start over once.
            var file = ScratchFiles.NewPath("blob");
            try
            {
                await using (var stream = File.Create(file))
                    await registry.DownloadBlobAsync(sourceRepository, blob, stream, sourceCredentials, ct);
                await registry.UploadBlobAsync(destinationRepository, blob, file, destinationCredentials, ct);
                counts.Uploaded++;
            }
            finally
            {
                File.Delete(file);
            }
        }
    }

    static bool IsIndex(RegistryManifest manifest)
    {
        if (IndexMediaTypes.Contains(manifest.MediaType))
            return true;
        using var document = JsonDocument.Parse(manifest.Content);
        return document.RootElement.TryGetProperty("manifests", out _);
    }

    static IReadOnlyList<string> Children(RegistryManifest index)
    {
        using var document = JsonDocument.Parse(index.Content);
        return document.RootElement.GetProperty("manifests").EnumerateArray().Select(m => m.GetProperty("digest").GetString()!).ToList();
    }

    /// <summary>The config and layer blobs of an image manifest; layers a registry does not hold (foreign, with <c>urls</c>) are left out.</summary>
    internal static IReadOnlyList<string> Blobs(RegistryManifest manifest)
    {
        using var document = JsonDocument.Parse(manifest.Content);
        var root = document.RootElement;
        var blobs = new List<string>();
        if (root.TryGetProperty("config", out var config) && config.TryGetProperty("digest", out var configDigest))
            blobs.Add(configDigest.GetString()!);
        if (root.TryGetProperty("layers", out var layers))
            foreach (var layer in layers.EnumerateArray())
                if (!layer.TryGetProperty("urls", out _))
                    blobs.Add(layer.GetProperty("digest").GetString()!);
        return blobs.Distinct(StringComparer.Ordinal).ToList();
    }

    sealed class BlobCounts
    {
        public int Uploaded;
        public int Mounted;
        public int Present;
    }
}

public enum RegistryCopyOutcome
{
    /// <summary>Blobs and manifest copied (or linked) by this run.</summary>
    Copied,

    /// <summary>The destination tag already named this digest.</summary>
    AlreadyThere,

    /// <summary>Dry run: the source exists and would be copied.</summary>
    WouldCopy,
}

/// <summary>One image's copy: its digest (the same on both sides) and how its blobs got there.</summary>
public sealed record RegistryCopyResult(string Digest, RegistryCopyOutcome Outcome, int BlobsUploaded = 0, int BlobsMounted = 0, int BlobsPresent = 0);
