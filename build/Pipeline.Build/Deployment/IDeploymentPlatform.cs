using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Manifests;

namespace Pipeline.Build.Deployment;

/// <summary>
/// The seam between the Deploy chain and where it deploys. The targets are the same on every platform;
/// each platform says what pushing, deploying infrastructure, rolling services and checking health mean.
/// </summary>
public interface IDeploymentPlatform : IDisposable
{
    /// <summary>
    /// Runs before a Deploy or Redeploy builds, pushes or changes anything: what would otherwise fail halfway, after images
    /// were pushed and stacks changed (on AWS: the account's cheap preflight checks, and every secret the selected services
    /// declare exists). Platforms with nothing to check keep this default.
    /// </summary>
    /// <param name="target">Deploy or Redeploy, for the messages.</param>
    Task CheckBeforeDeployAsync(string target, IReadOnlyList<ServiceManifest> services, IStepLog log, CancellationToken cancellation) => Task.CompletedTask;

    Task<ImageDestination> ImageDestinationAsync(CancellationToken cancellation);

    /// <summary>
    /// Where the environment's lock lives (an S3 object in the account on AWS, a file locally) and who this run is to it
    /// (the AWS principal, the user locally). Asked before any target of a run that changes the environment starts.
    /// </summary>
    Task<EnvironmentLockPlace> EnvironmentLockAsync(IStepLog log, CancellationToken cancellation);

    Task PushImagesAsync(IReadOnlyList<ServiceImage> images, IStepLog log, CancellationToken cancellation);

    /// <summary>Synthesizes what DeployInfra applies; platforms without templates have nothing to do.</summary>
    Task SynthesizeAsync(IStepLog log, CancellationToken cancellation);

    Task DeployInfraAsync(IReadOnlyList<ServiceImage> images, IStepLog log, CancellationToken cancellation);

    /// <summary>Rolls <paramref name="images"/>'s services to those images and waits until they are steady.</summary>
    /// <param name="explicitRollout">True for Redeploy: roll even when the image did not change.</param>
    Task UpdateServicesAsync(IReadOnlyList<ServiceImage> images, bool explicitRollout, IStepLog log, CancellationToken cancellation);

    /// <summary>The base URL the gateway routes are under (the API endpoint or the local gateway).</summary>
    Task<Uri> HealthBaseUrlAsync(CancellationToken cancellation);

    /// <summary>Tells the user, at the end of a successful Deploy, where things are (URLs, how to connect); nothing on a dry run.</summary>
    Task SummarizeAsync(IStepLog log, CancellationToken cancellation);

    /// <summary>
    /// Runs once the environment's lock is held, before any target: settles what an earlier run killed on the way left (on
    /// AWS, its unexecuted change sets) and renews this run's history record, once written, with <paramref name="held"/>'s lease.
    /// Platforms with nothing to settle and no shared history keep this default.
    /// </summary>
    Task BeginRunAsync(Locking.HeldEnvironmentLock held, IStepLog log, CancellationToken cancellation) => Task.CompletedTask;

    /// <summary>Completes the started record with how the run ended, unless the target has written its own (<see cref="RecordAsync"/>).</summary>
    Task CompleteStartedRecordAsync(string outcome, TimeSpan duration, IStepLog log, CancellationToken cancellation) => Task.CompletedTask;

    /// <summary>After an interrupt of a run that deploys: what it leaves, stack by stack (platforms without stacks keep this default).</summary>
    /// <param name="rerun">The command that goes on from here, e.g. <c>./build.sh Deploy --profile dev</c>.</param>
    Task ReportInterruptedAsync(string rerun, IStepLog log, CancellationToken cancellation) => Task.CompletedTask;

    /// <summary>Records how a Deploy or Redeploy ended (<c>succeeded</c>, <c>failed</c>, <c>cancelled</c>) with what it deployed.</summary>
    Task RecordAsync(string target, IReadOnlyList<ServiceImage> images, string outcome, TimeSpan duration, IStepLog log, CancellationToken cancellation);

    /// <summary>
    /// An access token the environment's API accepts (the <c>Token</c> target): from the local issuer, from the environment's
    /// Cognito machine client, or, for an external identity provider, an error that says how to get one.
    /// Progress goes to <paramref name="log"/>; the token is returned, never logged.
    /// </summary>
    Task<string> AccessTokenAsync(IStepLog log, CancellationToken cancellation);

    Task StatusAsync(TextWriter output, CancellationToken cancellation);

    Task LogsAsync(LogQuery query, TextWriter output, CancellationToken cancellation);

    Task DownAsync(IStepLog log, CancellationToken cancellation);

    /// <summary>
    /// Deletes the environment once <paramref name="confirmation"/> has been given, after showing what goes; a dry run shows
    /// it and stops. On AWS every stack (and with <paramref name="includeImages"/> the repositories); locally the containers,
    /// the gateway and the images.
    /// </summary>
    Task DestroyAsync(EnvironmentConfirmation confirmation, bool includeImages, IStepLog log, CancellationToken cancellation);
}

/// <summary>An environment's lock and who this run is to it.</summary>
public sealed record EnvironmentLockPlace(Locking.IEnvironmentLockStore Store, string Who);

/// <summary>
/// Where a platform's images live: <see cref="RepositoryRoot"/> + "/" + service name is each image's repository.
/// Without a registry the images stay in the local engine and nothing is pushed.
/// </summary>
public sealed record ImageDestination(string RepositoryRoot, RegistryCredentials? Credentials, bool IsRegistry)
{
    /// <summary>False before the first deploy of an environment whose registry is created with it (a dry run looks nothing up there).</summary>
    public bool RepositoriesExist { get; init; } = true;

    public string Describe() => IsRegistry ? $"registry {RepositoryRoot}" : "the local Docker engine (no registry)";
}
