namespace Pipeline.Gateway.Tests;

/// <summary>A throw-away services/ folder with one manifest per service, as the gateway reads it.</summary>
sealed class ServicesFolder : IDisposable
{
    public ServicesFolder(params string[] serviceNames)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gateway-tests-" + Guid.NewGuid().ToString("N"));
        var port = 18000;
        foreach (var name in serviceNames)
        {
            var folder = System.IO.Path.Combine(Path, name);
            Directory.CreateDirectory(folder);
            File.WriteAllText(System.IO.Path.Combine(folder, "service.json"),
                $$"""{ "name": "{{name}}", "port": {{port++}}, "routePrefix": "/api/{{name}}", "healthPath": "/health" }""");
        }
    }

    public string Path { get; }

    /// <summary>Adds manifest fields to one service (e.g. <c>"publicPaths": ["/docs"]</c>); call before the gateway starts, which reads the manifests once.</summary>
    public ServicesFolder Declare(string service, string jsonFields)
    {
        var manifest = System.IO.Path.Combine(Path, service, "service.json");
        var text = File.ReadAllText(manifest).TrimEnd();
        File.WriteAllText(manifest, text[..^1].TrimEnd() + ", " + jsonFields + " }");
        return this;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
