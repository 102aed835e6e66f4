namespace Pipeline.Build.Docker;

/// <summary>One file, folder or symbolic link of a build context, by its path relative to the context (forward slashes).</summary>
public sealed record BuildContextEntry(string RelativePath, BuildContextEntryKind Kind, bool IsExecutable, string? LinkTarget)
{
    public string FullPath(string contextDirectory) =>
        Path.Combine(contextDirectory, RelativePath.Replace('/', Path.DirectorySeparatorChar));
}
