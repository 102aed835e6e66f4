namespace Pipeline.Build.Tests.Engine;

/// <summary>A throwaway repository root with a Pipeline.sln marker and a .nuke folder.</summary>
internal sealed class TemporaryRepository : IDisposable
{
    public TemporaryRepository()
    {
        Root = Directory.CreateTempSubdirectory("pipeline-test-").FullName;
        File.WriteAllText(Path.Combine(Root, "Pipeline.sln"), "");
        Directory.CreateDirectory(Path.Combine(Root, ".nuke"));
    }

    public string Root { get; }

    public TemporaryRepository WithFile(string relativePath, string content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return this;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
