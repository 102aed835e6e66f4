using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Local;

/// <summary>
/// A throw-away copy of what the local gateway is built from (its project, the manifests library, the central build
/// settings), so a test can change or break the gateway's code without touching the repository.
/// </summary>
public sealed class GatewaySources : IDisposable
{
    static readonly string[] Folders = ["build/Pipeline.Gateway", "build/Pipeline.Manifests"];
    static readonly string[] Files = ["Directory.Build.props", "Directory.Packages.props", "global.json", "Pipeline.sln"];

    GatewaySources(string root) => Root = root;

    public string Root { get; }

    public static GatewaySources Copy()
    {
        var repository = RepositoryRoot.Find();
        var root = Directory.CreateTempSubdirectory("gateway-sources-").FullName;
        foreach (var folder in Folders)
            foreach (var file in Directory.EnumerateFiles(Path.Combine(repository, folder), "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(repository, file);
                if (relative.Split(Path.DirectorySeparatorChar).Any(segment => segment is "bin" or "obj"))
                    continue;
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, relative))!);
                File.Copy(file, Path.Combine(root, relative));
            }
        foreach (var file in Files.Where(f => File.Exists(Path.Combine(repository, f))))
            File.Copy(Path.Combine(repository, file), Path.Combine(root, file));
        return new GatewaySources(root);
    }

    public void Append(string relativePath, string line) => File.AppendAllText(Path.Combine(Root, relativePath), "\n" + line + "\n");

    public void Replace(string relativePath, string text, string replacement)
    {
        var path = Path.Combine(Root, relativePath);
        File.WriteAllText(path, File.ReadAllText(path).Replace(text, replacement, StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
