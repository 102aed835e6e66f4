using System.Diagnostics;

namespace Pipeline.Build.Engine;

/// <summary>
/// Temporary files a killed run cannot strand (an image's build context, a layer on its way between registries). Each
/// process keeps them in a folder of its own, <c>&lt;temp&gt;/pipeline-scratch-&lt;user&gt;/&lt;pid&gt;/</c>, and deletes
/// each when done; a <c>kill -9</c> gives it no chance to, so every run first removes the folders of processes that no
/// longer run.
/// </summary>
public static class ScratchFiles
{
    static readonly Lazy<string> OwnFolder = new(CreateOwnFolder);

    /// <summary>Where every process's folder lives; under the system's temporary folder (<c>TMPDIR</c>), one per user.</summary>
    public static string Root => Path.Combine(Path.GetTempPath(), $"pipeline-scratch-{Environment.UserName}");

    /// <summary>A path no other file has, in this process's folder; the caller creates the file and deletes it.</summary>
    public static string NewPath(string purpose) => Path.Combine(OwnFolder.Value, $"{purpose}-{Guid.NewGuid():N}");

    /// <summary>A new empty file for reading and writing that goes when the stream is disposed (or, after a kill, with the next run).</summary>
    public static FileStream CreateDeletedOnClose(string purpose) =>
        new(NewPath(purpose), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);

    /// <summary>Removes the folders of processes that no longer run, with whatever they left in them.</summary>
    /// <returns>How many folders were removed.</returns>
    public static int RemoveAbandoned(string? root = null)
    {
        root ??= Root;
        if (!Directory.Exists(root))
            return 0;
        var removed = 0;
        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid) || pid == Environment.ProcessId || IsRunning(pid))
                continue;
            try
            {
                Directory.Delete(folder, recursive: true);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another run is removing it too, or it is not ours to remove; either way the next run tries again.
            }
        }
        return removed;
    }

    static string CreateOwnFolder()
    {
        var folder = Path.Combine(Root, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(folder);
        else
        {
            // Only its owner may look inside: a build context holds the service's sources.
            Directory.CreateDirectory(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return folder;
    }

    static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
