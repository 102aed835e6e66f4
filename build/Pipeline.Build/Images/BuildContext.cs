using System.Formats.Tar;

namespace Pipeline.Build.Images;

/// <summary>
/// The files Docker sees when it builds a service: everything under the service folder except what
/// <c>.dockerignore</c> excludes. Entries are sorted by path so that hashing and tarring are deterministic.
/// </summary>
public sealed class BuildContext
{
    // A fixed timestamp keeps the tar (and the files in the image) independent of when the sources were checked out.
    static readonly DateTimeOffset FixedTimestamp = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    BuildContext(string directory, IReadOnlyList<BuildContextEntry> entries)
    {
        Directory = directory;
        Entries = entries;
    }

    public string Directory { get; }

    public IReadOnlyList<BuildContextEntry> Entries { get; }

    public static BuildContext Load(string directory)
    {
        var root = Path.GetFullPath(directory);
        var ignore = DockerIgnore.Load(root);
        var entries = new List<BuildContextEntry>();
        Walk(root, "", ignore, entries);
        entries.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return new BuildContext(root, entries);
    }

    /// <summary>
    /// Writes the context as the uncompressed tar the Engine API's build endpoint takes. Modes are 0755 for folders and
    /// executables and 0644 for the rest, so a checkout's umask does not matter; with <paramref name="keepFileModes"/> (on
    /// Unix) they are the files' own, as a <c>COPY --from</c> of a build stage keeps them.
    /// </summary>
    public async Task WriteTarAsync(Stream destination, CancellationToken cancellationToken, bool keepFileModes = false)
    {
        await using var writer = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var entry in Entries)
        {
            var tarEntry = entry.Kind switch
            {
                BuildContextEntryKind.Directory => new PaxTarEntry(TarEntryType.Directory, entry.RelativePath + "/"),
                BuildContextEntryKind.SymbolicLink => new PaxTarEntry(TarEntryType.SymbolicLink, entry.RelativePath)
                {
                    LinkName = entry.LinkTarget!,
                },
                _ => new PaxTarEntry(TarEntryType.RegularFile, entry.RelativePath),
            };
            tarEntry.Mode = keepFileModes && !OperatingSystem.IsWindows() && entry.Kind != BuildContextEntryKind.SymbolicLink
                ? File.GetUnixFileMode(entry.FullPath(Directory))
                : entry.Kind == BuildContextEntryKind.Directory || entry.IsExecutable
                    ? (UnixFileMode)0b111_101_101
                    : (UnixFileMode)0b110_100_100;
            tarEntry.ModificationTime = FixedTimestamp;
            tarEntry.Uid = 0;
            tarEntry.Gid = 0;
            if (entry.Kind == BuildContextEntryKind.File)
            {
                await using var content = File.OpenRead(entry.FullPath(Directory));
                tarEntry.DataStream = content;
                await writer.WriteEntryAsync(tarEntry, cancellationToken);
            }
            else
                await writer.WriteEntryAsync(tarEntry, cancellationToken);
        }
    }

    static void Walk(string root, string relativeDirectory, DockerIgnore ignore, List<BuildContextEntry> entries)
    {
        var directory = relativeDirectory.Length == 0 ? root : Path.Combine(root, relativeDirectory);
        foreach (var info in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            var relativePath = relativeDirectory.Length == 0 ? info.Name : relativeDirectory + "/" + info.Name;
            // Docker always sends the build files themselves, whatever .dockerignore says.
            var excluded = !IsBuildFile(relativePath) && ignore.IsExcluded(relativePath);
            if (info.LinkTarget is not null)
            {
                if (!excluded)
                    entries.Add(new BuildContextEntry(relativePath, BuildContextEntryKind.SymbolicLink, false, info.LinkTarget));
            }
            else if (info is DirectoryInfo)
            {
                if (excluded && !ignore.HasExceptions)
                    continue;
                if (!excluded)
                    entries.Add(new BuildContextEntry(relativePath, BuildContextEntryKind.Directory, false, null));
                Walk(root, relativePath, ignore, entries);
            }
            else if (!excluded)
            {
                var executable = !OperatingSystem.IsWindows() &&
                    (File.GetUnixFileMode(info.FullName) & UnixFileMode.UserExecute) != 0;
                entries.Add(new BuildContextEntry(relativePath, BuildContextEntryKind.File, executable, null));
            }
        }
    }

    static bool IsBuildFile(string relativePath) => relativePath is "Dockerfile" or DockerIgnore.FileName;
}

/// <summary>One file, folder or symbolic link of a build context, by its path relative to the context (forward slashes).</summary>
public sealed record BuildContextEntry(string RelativePath, BuildContextEntryKind Kind, bool IsExecutable, string? LinkTarget)
{
    public string FullPath(string contextDirectory) =>
        Path.Combine(contextDirectory, RelativePath.Replace('/', Path.DirectorySeparatorChar));
}

public enum BuildContextEntryKind
{
    File,
    Directory,
    SymbolicLink,
}
