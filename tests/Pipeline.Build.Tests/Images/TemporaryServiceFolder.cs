using Pipeline.Manifests;

namespace Pipeline.Build.Tests.Images;

/// <summary>A throw-away service folder with a Dockerfile, for tests that hash or tar build contexts.</summary>
sealed class TemporaryServiceFolder : IDisposable
{
    public TemporaryServiceFolder(string name = "svc")
    {
        Root = Path.Combine(Path.GetTempPath(), "images-test-" + Guid.NewGuid().ToString("N"));
        Directory = Path.Combine(Root, name);
        System.IO.Directory.CreateDirectory(Directory);
        Service = new ServiceManifest { Name = name, Port = 8000, RoutePrefix = "/api/" + name, Directory = Directory };
        Write("Dockerfile", "ARG BASE_IMAGE_PREFIX=\"\"\nFROM ${BASE_IMAGE_PREFIX}python:3.13.9-slim-trixie\nCOPY app ./app\n");
        Write("app/main.py", "print('hello')\n");
    }

    public string Root { get; }

    public string Directory { get; }

    public ServiceManifest Service { get; }

    public TemporaryServiceFolder Write(string relativePath, string content)
    {
        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return this;
    }

    public void Delete(string relativePath) => File.Delete(Path.Combine(Directory, relativePath));

    /// <summary>A copy of the service folder somewhere else on disk, with fresh timestamps.</summary>
    public TemporaryServiceFolder CopyElsewhere()
    {
        var copy = new TemporaryServiceFolder(Service.Name);
        System.IO.Directory.Delete(copy.Directory, recursive: true);
        CopyDirectory(Directory, copy.Directory);
        return copy;
    }

    static void CopyDirectory(string source, string destination)
    {
        System.IO.Directory.CreateDirectory(destination);
        foreach (var file in System.IO.Directory.GetFiles(source))
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        foreach (var directory in System.IO.Directory.GetDirectories(source))
            CopyDirectory(directory, Path.Combine(destination, Path.GetFileName(directory)));
    }

    public void Dispose() => System.IO.Directory.Delete(Root, recursive: true);
}
