namespace Pipeline.Build.Deployment.Locking;

/// <summary>
/// Where an environment's lock lives, with the two atomic operations a lock needs: create only if absent, and replace or
/// delete only if unchanged since it was read (<see cref="LockRecord.Version"/>). On AWS an S3 object written with
/// <c>If-None-Match: *</c> and <c>If-Match: &lt;ETag&gt;</c>; locally a file created exclusively.
/// </summary>
public interface IEnvironmentLockStore
{
    /// <summary>Where the lock is, for messages: <c>s3://bucket/locks/dev.json</c> or a file path.</summary>
    string Location { get; }

    /// <summary>Writes <paramref name="holder"/> if there is no lock; returns its version, or null when a lock exists.</summary>
    Task<string?> TryCreateAsync(LockHolder holder, CancellationToken cancellation);

    /// <summary>The lock as it is now, or null when there is none. A lock that cannot be read as a holder has a null <see cref="LockRecord.Holder"/>.</summary>
    Task<LockRecord?> ReadAsync(CancellationToken cancellation);

    /// <summary>Writes <paramref name="holder"/> over the lock if it is still at <paramref name="version"/>; returns the new version, or null when it changed or is gone.</summary>
    Task<string?> TryReplaceAsync(LockHolder holder, string version, CancellationToken cancellation);

    /// <summary>Deletes the lock if it is still at <paramref name="version"/>; false when it changed or is gone.</summary>
    Task<bool> TryDeleteAsync(string version, CancellationToken cancellation);
}

/// <summary>A lock as read: its holder (null when unreadable) and the version a conditional replace or delete names.</summary>
public sealed record LockRecord(LockHolder? Holder, string Version);
