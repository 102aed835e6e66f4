namespace Pipeline.Manifests;

/// <summary>
/// Files that hold a credential (the local issuer's key, the gateway's admin token): readable and writable by their owner
/// only from the moment they exist, and never seen half-written, because each is written beside its place and then moved.
/// </summary>
public static class OwnerOnlyFile
{
    const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> whole, replacing what is there.</summary>
    public static void Replace(string path, string content) => File.Move(WriteBeside(path, content), path, overwrite: true);

    /// <summary>Puts <paramref name="content"/> at <paramref name="path"/> only if nothing is there; false when something is.</summary>
    public static bool TryCreate(string path, string content)
    {
        var temporary = WriteBeside(path, content);
        try
        {
            File.Move(temporary, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return false;
        }
    }

    // A name of its own per write, so two writers racing for the same path never share (or delete) a temporary file;
    // the writer's PID in it tells the next writer which ones a killed process left behind.
    static string WriteBeside(string path, string content)
    {
        var fullPath = Path.GetFullPath(path);
        var temporary = $"{fullPath}.{Environment.ProcessId}-{Guid.NewGuid():N}{TemporarySuffix}";
        Directory.CreateDirectory(Path.GetDirectoryName(temporary)!);
        RemoveAbandoned(fullPath);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = OwnerOnly;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(content);
        return temporary;
    }

    const string TemporarySuffix = ".tmp";

    /// <summary>
    /// Deletes the temporary files beside <paramref name="path"/> whose writer no longer runs: a process killed between
    /// writing and moving one cannot delete it itself, and it may hold a credential.
    /// </summary>
    public static void RemoveAbandoned(string path)
    {
        var fullPath = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(fullPath)!;
        if (!Directory.Exists(folder))
            return;
        var prefix = Path.GetFileName(fullPath) + ".";
        foreach (var temporary in Directory.EnumerateFiles(folder, prefix + "*" + TemporarySuffix))
        {
            var writer = Path.GetFileName(temporary)[prefix.Length..^TemporarySuffix.Length].Split('-')[0];
            if (!int.TryParse(writer, out var pid) || IsRunning(pid))
                continue;
            try
            {
                File.Delete(temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the next write to try again.
            }
        }
    }

    static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId)
            return true;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
