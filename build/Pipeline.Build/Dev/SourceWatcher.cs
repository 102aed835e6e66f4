using System.Threading.Channels;

namespace Pipeline.Build.Dev;

/// <summary>
/// Watches one service folder and hands out its saved changes in batches: a batch closes once the folder has been quiet for
/// <see cref="QuietPeriod"/>, so an editor's save (often a write, a rename and a touch) or a branch switch counts once.
/// Build output and caches (<c>bin</c>, <c>obj</c>, <c>__pycache__</c>, dot-folders) are not sources and are ignored.
/// </summary>
public sealed class SourceWatcher : IDisposable
{
    /// <summary>Long enough to gather one save's events, short enough not to count against the two seconds.</summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(60);

    static readonly string[] IgnoredFolders = ["bin", "obj", "__pycache__", "node_modules"];

    readonly string directory;
    readonly FileSystemWatcher watcher;
    readonly Channel<SourceChange> changes = Channel.CreateUnbounded<SourceChange>(new UnboundedChannelOptions { SingleReader = true });

    public SourceWatcher(string directory)
    {
        this.directory = Path.GetFullPath(directory);
        watcher = new FileSystemWatcher(this.directory)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            // Bursts (a branch switch) must not overflow the kernel queue unnoticed: Error reports it as a change of everything.
            InternalBufferSize = 64 * 1024,
        };
        watcher.Changed += (_, e) => Record(e.FullPath);
        watcher.Created += (_, e) => Record(e.FullPath);
        watcher.Deleted += (_, e) => Record(e.FullPath);
        watcher.Renamed += (_, e) =>
        {
            Record(e.OldFullPath);
            Record(e.FullPath);
        };
        watcher.Error += (_, _) => Record(Path.Combine(this.directory, "."));
        watcher.EnableRaisingEvents = true;
    }

    /// <summary>Whether a path (relative to the service folder) is a source: not build output, not a cache, not hidden.</summary>
    public static bool IsSource(string relativePath) =>
        relativePath.Split('/', '\\').All(part => part.Length > 0 && part != ".." && !IgnoredFolders.Contains(part) && (part == "." || !part.StartsWith('.')))
        && !relativePath.EndsWith('~') && !relativePath.EndsWith(".swp", StringComparison.Ordinal) && !relativePath.EndsWith(".pyc", StringComparison.Ordinal);

    void Record(string fullPath)
    {
        var relative = Path.GetRelativePath(directory, fullPath).Replace('\\', '/');
        if (IsSource(relative))
            changes.Writer.TryWrite(new SourceChange(relative, DateTimeOffset.UtcNow));
    }

    /// <summary>The next batch of changed paths, and when the first of them was seen: the moment change-to-served counts from.</summary>
    public async Task<SourceBatch> NextBatchAsync(CancellationToken cancellationToken)
    {
        var first = await changes.Reader.ReadAsync(cancellationToken);
        var paths = new SortedSet<string>(StringComparer.Ordinal) { first.Path };
        while (true)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            quiet.CancelAfter(QuietPeriod);
            try
            {
                paths.Add((await changes.Reader.ReadAsync(quiet.Token)).Path);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new SourceBatch(paths, first.SeenAt);
            }
        }
    }

    public void Dispose()
    {
        watcher.EnableRaisingEvents = false;
        watcher.Dispose();
        changes.Writer.TryComplete();
    }

    readonly record struct SourceChange(string Path, DateTimeOffset SeenAt);
}

/// <summary>Paths (relative to the service folder, with '/') saved together, and when the first was seen.</summary>
public sealed record SourceBatch(IReadOnlyCollection<string> Paths, DateTimeOffset FirstSeenAt);
