using System.Security.Cryptography;
using System.Text;
using Pipeline.Build.Deployment.Locking;

namespace Pipeline.Build.Local;

/// <summary>
/// A local environment's lock: <c>artifacts/&lt;env&gt;/environment.lock</c>, the holder as JSON (mode 600). Created
/// exclusively (O_EXCL), so of two runs only one creates it. A takeover or a release first renames
/// the file to a name of its own, which only one process can do, then checks it still holds the version it read.
/// </summary>
public sealed class LocalEnvironmentLockStore(string environmentDirectory) : IEnvironmentLockStore
{
    public string Path { get; } = System.IO.Path.Combine(environmentDirectory, "environment.lock");

    public string Location => Path;

    public Task<string?> TryCreateAsync(LockHolder holder, CancellationToken cancellation)
    {
        RemoveLeftovers();
        var json = holder.ToJson();
        return Task.FromResult(TryCreateExclusive(json) ? VersionOf(json) : null);
    }

    /// <summary>
    /// O_CREAT | O_EXCL: of two writers only one creates the file, on every local file system (a move that refuses to
    /// overwrite let two racing creators through in a test).
    /// A reader may see the file before its content; it reads as a lock that is not a holder record, which is never taken over.
    /// </summary>
    bool TryCreateExclusive(string json)
    {
        Directory.CreateDirectory(environmentDirectory);
        try
        {
            using var file = new FileStream(Path, OwnerOnlyOptions());
            file.Write(Encoding.UTF8.GetBytes(json));
            return true;
        }
        catch (IOException) when (File.Exists(Path))
        {
            return false;
        }
    }

    public Task<LockRecord?> ReadAsync(CancellationToken cancellation) => Task.FromResult(ReadRecord());

    LockRecord? ReadRecord()
    {
        try
        {
            var json = File.ReadAllText(Path);
            return new LockRecord(LockHolder.FromJson(json), VersionOf(json));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public Task<string?> TryReplaceAsync(LockHolder holder, string version, CancellationToken cancellation) =>
        Task.FromResult(TryReplace(holder, version));

    // Synchronous and deaf to cancellation: between the claim and the new lock, stopping halfway would leave no lock at all.
    string? TryReplace(LockHolder holder, string version)
    {
        var json = holder.ToJson();
        if (ReadRecord() is { } current && current.Holder?.RunId == holder.RunId)
        {
            // A renewal of this run's own lock: replaced in one rename, so the lock never disappears, not even for a moment
            // (no other run may take a lock whose lease runs and whose holder lives).
            if (current.Version != version)
                return null;
            var renewed = $"{Path}.{System.Environment.ProcessId}.{Guid.NewGuid():N}";
            using (var file = new FileStream(renewed, OwnerOnlyOptions()))
                file.Write(Encoding.UTF8.GetBytes(json));
            File.Move(renewed, Path, overwrite: true);
            return VersionOf(json);
        }
        var claimed = Claim(version);
        if (claimed is null)
            return null;
        // Only if no other run created a lock since the claim: it saw no file, so it holds the lock now.
        var replaced = TryCreateExclusive(json);
        File.Delete(claimed);
        return replaced ? VersionOf(json) : null;
    }

    public Task<bool> TryDeleteAsync(string version, CancellationToken cancellation) => Task.FromResult(TryDelete(version));

    bool TryDelete(string version)
    {
        var claimed = Claim(version);
        if (claimed is null)
            // Gone already (Destroy removes the environment's folder): released all the same.
            return !File.Exists(Path);
        File.Delete(claimed);
        return true;
    }

    /// <summary>
    /// Moves the lock to a file of this process's own if it is at <paramref name="version"/>; returns that file's path. When
    /// it was at another version, the lock is put back (unless a new one has been created meanwhile) and null returned.
    /// </summary>
    string? Claim(string version)
    {
        var claimed = $"{Path}.{System.Environment.ProcessId}.{Guid.NewGuid():N}";
        try
        {
            File.Move(Path, claimed);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        if (VersionOf(File.ReadAllText(claimed)) == version)
            return claimed;
        try
        {
            File.Move(claimed, Path, overwrite: false);
        }
        catch (IOException)
        {
            File.Delete(claimed);
        }
        return null;
    }

    /// <summary>A new file, readable and writable by its owner only.</summary>
    static FileStreamOptions OwnerOnlyOptions()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return options;
    }

    /// <summary>
    /// A claimed or half-written lock file lives for milliseconds; one older than a minute was left by a run killed in that
    /// moment, and is removed.
    /// </summary>
    void RemoveLeftovers()
    {
        if (!Directory.Exists(environmentDirectory))
            return;
        foreach (var leftover in Directory.EnumerateFiles(environmentDirectory, System.IO.Path.GetFileName(Path) + ".*"))
            if (File.GetLastWriteTimeUtc(leftover) < DateTime.UtcNow.AddMinutes(-1))
                File.Delete(leftover);
    }

    static string VersionOf(string json) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16];
}
