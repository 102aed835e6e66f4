namespace Pipeline.Build.Engine;

/// <summary>
/// The processes running on this machine as Linux lists them under /proc: each one's id, its arguments and, read on demand,
/// its environment. Nothing elsewhere (macOS, Windows), where the callers fall back to what they can do without it.
/// </summary>
public static class ProcessTable
{
    public static bool IsReadable => OperatingSystem.IsLinux() && Directory.Exists("/proc");

    /// <summary>Every process whose arguments could be read (one that ends while it is read is left out), this one included.</summary>
    public static IEnumerable<ProcessEntry> Read()
    {
        if (!IsReadable)
            yield break;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var id))
                continue;
            string arguments;
            try
            {
                arguments = File.ReadAllText(Path.Combine(folder, "cmdline"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone since the listing, or not ours to read.
                continue;
            }
            if (arguments.Length > 0)
                yield return new ProcessEntry(id, arguments.TrimEnd('\0').Split('\0'), folder);
        }
    }
}

/// <summary>One running process: its id and arguments; <see cref="Environment"/> reads its variables (empty when they cannot be read).</summary>
public sealed record ProcessEntry(int Id, IReadOnlyList<string> Arguments, string Folder)
{
    public string CommandLine => string.Join(' ', Arguments);

    public IReadOnlyList<string> Environment()
    {
        try
        {
            return File.ReadAllText(Path.Combine(Folder, "environ")).TrimEnd('\0').Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
