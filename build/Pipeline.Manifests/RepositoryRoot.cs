namespace Pipeline.Manifests;

/// <summary>Locates the repository root: the nearest folder upwards that holds Pipeline.sln.</summary>
public static class RepositoryRoot
{
    public const string MarkerFile = "Pipeline.sln";

    public static string Find(string? start = null)
    {
        var dir = new DirectoryInfo(start ?? System.IO.Directory.GetCurrentDirectory());
        for (var d = dir; d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, MarkerFile)))
                return d.FullName;
        // Fall back to the folder the assembly runs from (tests, tools started elsewhere).
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, MarkerFile)))
                return d.FullName;
        throw new ManifestException($"Cannot find {MarkerFile} above '{dir.FullName}'. Run from inside the repository.");
    }
}
