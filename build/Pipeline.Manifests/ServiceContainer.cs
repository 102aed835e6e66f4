namespace Pipeline.Manifests;

/// <summary>
/// How every service container runs, on Fargate (the CDK app's task definition) and locally (the local platform's
/// container), so both platforms give a service the same user and the same writable scratch space.
/// </summary>
public static class ServiceContainer
{
    /// <summary>The unprivileged user and group every container runs as; the images make their files readable by it.</summary>
    public const string User = "10001:10001";

    /// <summary>
    /// Where a container with a read-only root filesystem may write: an empty volume private to the task (Fargate: a bind
    /// mount; locally: an anonymous Docker volume). Fargate creates it root-owned with mode 0755 unless the image declares
    /// the path a <c>VOLUME</c>, in which case ECS copies the image's directory, owner and mode included, into it; the
    /// Dockerfiles do that with a directory owned by <see cref="User"/>.
    /// </summary>
    public const string ScratchPath = "/tmp";
}
