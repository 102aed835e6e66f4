using Pipeline.Build.Steps;

namespace Pipeline.Build.Docker;

/// <summary>
/// What happened to one service's image. <see cref="ServiceImage.Digest"/> is set when the registry already had it;
/// <see cref="ImageId"/> (the engine's <c>sha256:…</c> image id) when the image is in the local engine.
/// </summary>
public sealed record ImageBuildResult(ServiceImage Image, ImageBuildOutcome Outcome, TimeSpan Duration, string? ImageId = null);
