namespace Pipeline.Build.Local;

/// <summary>
/// What <see cref="LocalServiceRunner"/> did (or, in a dry run, would do) to one service.
/// <see cref="Unavailability"/> is the time from stopping the old container to the new one answering its health check.
/// </summary>
public sealed record LocalServiceResult(
    string Service,
    LocalServiceOutcome Outcome,
    string ContainerName,
    string? ContainerId,
    string ImageReference,
    Uri DirectUrl,
    TimeSpan? Unavailability,
    bool DryRun);
