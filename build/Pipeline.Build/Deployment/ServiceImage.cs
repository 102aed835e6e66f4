using Pipeline.Manifests;

namespace Pipeline.Build.Deployment;

/// <summary>
/// One service's image as the pipeline knows it: where it goes and which content it holds.
/// The tag is derived from the build context, so the same sources always give the same tag.
/// </summary>
public sealed record ServiceImage(ServiceManifest Service, string Repository, string Tag)
{
    /// <summary>Full reference, e.g. <c>127.0.0.1:5000/fastapi:3f2a9c1d0b7e</c>.</summary>
    public string Reference => $"{Repository}:{Tag}";

    /// <summary>Registry digest (<c>sha256:…</c>) once pushed or found in the registry.</summary>
    public string? Digest { get; init; }

    /// <summary>Set when the image is made by publishing on the host (its tag says so too); null: from the Dockerfile alone.</summary>
    public Images.HostPublish? HostPublish { get; init; }
}
