using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Dev;

/// <summary>
/// How one kind of service (by its language) takes a saved change in the inner loop: which saves it can serve from a
/// snapshot of the sources or the build output, and which need a new image; how it makes that snapshot; where the snapshot
/// is mounted in the service's own image; and how its unit tests run. <see cref="ForService"/> picks the kind from the
/// service folder's files, so a new service folder needs no new code.
/// </summary>
public interface IServiceReload : IAsyncDisposable
{
    ServiceManifest Service { get; }

    /// <summary>What a batch of saved paths needs.</summary>
    ReloadKind Classify(IReadOnlyCollection<string> paths);

    /// <summary>Before the first change, and again after each new image: e.g. the test image and container, or a first (restoring) build.</summary>
    Task StartAsync(ServiceImage image, IStepLog log, CancellationToken cancellationToken);

    /// <summary>
    /// Copies or builds what the service serves into <paramref name="snapshot"/> (a new, empty folder). A compile error is a
    /// <see cref="ReloadFailedException"/> with the compiler's lines.
    /// </summary>
    Task PrepareAsync(string snapshot, CancellationToken cancellationToken);

    /// <summary>The read-only mounts that put the snapshot over the image's own files.</summary>
    IReadOnlyList<Mount> Mounts(string snapshot);

    /// <summary>Runs the service's unit tests against the snapshot (and the build it came from).</summary>
    Task<UnitTestRun> TestAsync(string snapshot, CancellationToken cancellationToken);

    public static IServiceReload ForService(ServiceManifest service, DevContext context)
    {
        if (Directory.EnumerateFiles(service.Directory, "*.csproj").FirstOrDefault() is { } project)
            return new DotnetReload(service, project, context);
        if (File.Exists(Path.Combine(service.Directory, "requirements.txt")))
            return new PythonReload(service, context);
        throw new PipelineException(
            $"Dev cannot tell how to reload service '{service.Name}': services/{service.Name} has neither a *.csproj nor a requirements.txt. " +
            $"Run ./build.sh Redeploy --service {service.Name} after each change instead, or leave it out with --service.");
    }
}

public enum ReloadKind
{
    /// <summary>Nothing the service serves or tests (a README, say).</summary>
    Ignore,

    /// <summary>Served from a new snapshot in a new container beside the serving one.</summary>
    Reload,

    /// <summary>Dependencies, the Dockerfile or the manifest: a new image, rolled out as a Redeploy does.</summary>
    Rebuild,
}

/// <summary>A unit test run: passed or not, how many, how long, and the lines to show when it failed.</summary>
public sealed record UnitTestRun(bool Passed, string Summary, TimeSpan Duration, IReadOnlyList<string> FailureLines);

/// <summary>A snapshot that could not be made (a compile error): the change is not served, the last good version keeps serving.</summary>
public sealed class ReloadFailedException(string message, IReadOnlyList<string> lines) : PipelineException(message)
{
    public IReadOnlyList<string> Lines { get; } = lines;
}
