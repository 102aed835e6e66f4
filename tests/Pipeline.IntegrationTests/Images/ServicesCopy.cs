using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Images;

/// <summary>A private copy of the repository's services/ folder, so a test can change files without touching the real ones.</summary>
sealed class ServicesCopy : IDisposable
{
    static readonly HashSet<string> SkippedFolders = ["bin", "obj", "__pycache__", ".pytest_cache"];

    public ServicesCopy()
    {
        Root = Path.Combine(Path.GetTempPath(), "services-copy-" + Guid.NewGuid().ToString("N"));
        Copy(ServiceCatalog.FindServicesDirectory(), Root);
        Catalog = ServiceCatalog.Load(Root);
    }

    public string Root { get; }

    public ServiceCatalog Catalog { get; private set; }

    public ServiceManifest this[string name] => Catalog[name];

    public void AppendTo(string service, string relativePath, string text)
    {
        File.AppendAllText(Path.Combine(Root, service, relativePath), text);
        Catalog = ServiceCatalog.Load(Root);
    }

    static void Copy(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.GetFiles(source))
        {
            var target = Path.Combine(destination, Path.GetFileName(file));
            File.Copy(file, target);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(target, File.GetUnixFileMode(file));
        }
        foreach (var directory in Directory.GetDirectories(source).Where(d => !SkippedFolders.Contains(Path.GetFileName(d))))
            Copy(directory, Path.Combine(destination, Path.GetFileName(directory)));
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
