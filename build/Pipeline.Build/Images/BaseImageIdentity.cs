namespace Pipeline.Build.Images;

/// <summary>
/// Says what a base image reference from a FROM line (<c>python:3.13.9-slim-trixie</c>, or with a mirror prefix
/// <c>127.0.0.1:5000/python:3.13.9-slim-trixie</c>) is right now, so that a content tag changes when the image behind
/// the name changes. <see cref="ImageTagger"/> takes one; <see cref="EngineBaseImageResolver"/> asks the Docker engine,
/// <see cref="NameOnlyBaseImageResolver"/> asks nothing and goes by the name.
/// </summary>
public interface IBaseImageResolver
{
    /// <param name="reference">The base image as its FROM line resolves, build arguments substituted.</param>
    /// <param name="dockerfilePath">The Dockerfile that names it, for messages.</param>
    Task<BaseImageIdentity> ResolveAsync(string reference, string dockerfilePath, CancellationToken cancellationToken);
}

public enum BaseImageIdentityKind
{
    /// <summary>The registry's manifest digest for the reference's repository (a RepoDigests entry, or a digest in the FROM line).</summary>
    RegistryDigest,

    /// <summary>The engine's image ID (the digest of the image config): the image is local only, e.g. an imported stand-in.</summary>
    ImageId,

    /// <summary>Only the name is known (no engine, or a dry run without the image); or <c>scratch</c>, which is no image.</summary>
    Name,
}

/// <summary>
/// What one base image reference resolved to. <see cref="Digest"/> is a <c>sha256:…</c> (the registry digest or the image
/// ID, after <see cref="Kind"/>), null for <see cref="BaseImageIdentityKind.Name"/>. <see cref="Fallback"/> says why only
/// the name is known, so the run can warn that its tags may not be the real run's.
/// </summary>
public sealed record BaseImageIdentity(string Reference, BaseImageIdentityKind Kind, string? Digest, string? Fallback = null)
{
    const string Scratch = "scratch";

    public static BaseImageIdentity RegistryDigestOf(string reference, string digest) => new(reference, BaseImageIdentityKind.RegistryDigest, digest);

    public static BaseImageIdentity ImageIdOf(string reference, string imageId) => new(reference, BaseImageIdentityKind.ImageId, imageId);

    /// <param name="fallback">Why the digest is not known; null when there is none to know (<c>scratch</c>).</param>
    public static BaseImageIdentity NameOnly(string reference, string? fallback) => new(reference, BaseImageIdentityKind.Name, null, fallback);

    /// <summary>
    /// The identity that needs no engine: <c>scratch</c>, or a reference pinned by digest (<c>python@sha256:…</c>);
    /// null for a reference by tag, which only the engine can resolve.
    /// </summary>
    public static BaseImageIdentity? WithoutEngine(string reference)
    {
        if (IsScratch(reference))
            return NameOnly(reference, null);
        var at = reference.IndexOf('@');
        return at > 0 ? RegistryDigestOf(reference, reference[(at + 1)..]) : null;
    }

    public static bool IsScratch(string reference) => reference.Equals(Scratch, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// From what the engine says of the image: the RepoDigests entry of the reference's own repository when there is one
    /// (a mirror prefix is part of that repository, so a mirror's digest counts), else the image ID. Among several entries
    /// for the repository the smallest is taken, so the choice does not depend on the order the engine lists them in.
    /// </summary>
    public static BaseImageIdentity FromEngine(string reference, string imageId, IEnumerable<string>? repoDigests)
    {
        var repository = NormalizedRepository(reference);
        var digest = (repoDigests ?? [])
            .Select(entry => entry.Split('@', 2))
            .Where(parts => parts.Length == 2 && NormalizedRepository(parts[0]) == repository)
            .Select(parts => parts[1])
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
        return digest is null ? ImageIdOf(reference, imageId) : RegistryDigestOf(reference, digest);
    }

    /// <summary>What the content hash takes: the reference alone when only the name is known (as tags were before digests counted).</summary>
    internal string HashInput => Kind switch
    {
        BaseImageIdentityKind.RegistryDigest => $"{Reference}\0registry-digest\0{Digest}",
        BaseImageIdentityKind.ImageId => $"{Reference}\0image-id\0{Digest}",
        _ => Reference,
    };

    /// <summary>For the log: <c>sha256:fefe02f300e1… (registry digest)</c>.</summary>
    public string Describe() => Kind switch
    {
        BaseImageIdentityKind.RegistryDigest => $"{Short(Digest!)} (registry digest)",
        BaseImageIdentityKind.ImageId => $"{Short(Digest!)} (image id; no registry digest)",
        _ when Fallback is null => "no image",
        _ => "name only (no digest)",
    };

    public override string ToString() => $"{Reference} = {Describe()}";

    static string Short(string digest)
    {
        var colon = digest.IndexOf(':');
        return digest.Length > colon + 1 + 12 ? digest[..(colon + 1 + 12)] + "…" : digest;
    }

    /// <summary>
    /// The repository of a reference the way the engine means it: tag and digest dropped, Docker Hub names spelled out
    /// (<c>python</c> → <c>docker.io/library/python</c>), so <c>python:3.13</c> matches a RepoDigests entry <c>python@sha256:…</c>
    /// or <c>docker.io/library/python@sha256:…</c>, and <c>127.0.0.1:5000/python</c> only its own.
    /// </summary>
    internal static string NormalizedRepository(string reference)
    {
        var name = reference.Split('@', 2)[0];
        var lastSlash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        if (colon > lastSlash)
            name = name[..colon];
        var slash = name.IndexOf('/');
        var first = slash < 0 ? "" : name[..slash];
        var hasHost = first.Contains('.') || first.Contains(':') || first == "localhost";
        if (hasHost && first is not ("docker.io" or "index.docker.io" or "registry-1.docker.io"))
            return name;
        var path = hasHost ? name[(slash + 1)..] : name;
        return "docker.io/" + (path.Contains('/') ? path : "library/" + path);
    }
}

/// <summary>
/// Goes by the name only: for a run that has no engine to ask (a plan, a dry run on a machine without Docker).
/// Its tags are stable, and are the tags the pipeline computed before base images' digests counted.
/// </summary>
public sealed class NameOnlyBaseImageResolver(string reason = "no Docker engine was asked") : IBaseImageResolver
{
    public string Reason { get; } = reason;

    public Task<BaseImageIdentity> ResolveAsync(string reference, string dockerfilePath, CancellationToken cancellationToken) =>
        Task.FromResult(Resolve(reference));

    public BaseImageIdentity Resolve(string reference) =>
        BaseImageIdentity.WithoutEngine(reference) ?? BaseImageIdentity.NameOnly(reference, Reason);
}
