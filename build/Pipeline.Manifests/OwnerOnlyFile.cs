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

    // A name of its own per write, so two writers racing for the same path never share (or delete) a temporary file.
    static string WriteBeside(string path, string content)
    {
        var temporary = $"{Path.GetFullPath(path)}.{Guid.NewGuid():N}.tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(temporary)!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = OwnerOnly;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(content);
        return temporary;
    }
}
