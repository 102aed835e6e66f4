using Pipeline.Build.Steps;

namespace Pipeline.Build.Docker;

/// <summary>What happened to one image; <see cref="ServiceImage.Digest"/> is the registry's manifest digest (null only in a dry run).</summary>
public sealed record ImagePushResult(ServiceImage Image, ImagePushOutcome Outcome, TimeSpan Duration, int LayersSent = 0, int LayersAlreadyThere = 0);
