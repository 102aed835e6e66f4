using System.Text.Json;
using Pipeline.Build.Deployment;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Local;

/// <summary>A services/ folder for a test, on free ports so it never collides with a real local deploy.</summary>
public sealed class TestServicesFolder : IDisposable
{
    public TestServicesFolder(params (string Name, string[] Uses, Dictionary<string, string> Environment)[] services)
    {
        Path = Directory.CreateTempSubdirectory("local-services-").FullName;
        foreach (var (name, uses, environment) in services)
        {
            Directory.CreateDirectory(System.IO.Path.Combine(Path, name));
            File.WriteAllText(System.IO.Path.Combine(Path, name, "service.json"), JsonSerializer.Serialize(new
            {
                name,
                port = FreePort(),
                routePrefix = "/api/" + name,
                healthPath = "/health",
                environment,
                uses,
            }));
        }
        Catalog = ServiceCatalog.Load(Path);
    }

    public string Path { get; }

    public ServiceCatalog Catalog { get; private set; }

    /// <summary>Declares secrets in one service's manifest (<c>"secrets": {"API_KEY": "ssm:/apigw/{env}/api-key"}</c>) and reads the catalog again.</summary>
    public TestServicesFolder WithSecrets(string service, Dictionary<string, string> secrets) => With(service, "secrets", secrets);

    /// <summary>Sets one manifest property of one service (<c>"publicPaths": ["/env"]</c>, <c>"deployment": {...}</c>) and reads the catalog again.</summary>
    public TestServicesFolder With(string service, string property, object value)
    {
        var path = System.IO.Path.Combine(Path, service, "service.json");
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        manifest[property] = JsonSerializer.SerializeToNode(value);
        File.WriteAllText(path, manifest.ToJsonString());
        Catalog = ServiceCatalog.Load(Path);
        return this;
    }

    public IReadOnlyList<ServiceImage> Images(string tag) =>
        Catalog.Services.Select(s => new ServiceImage(s, LocalTestImage.Repository, tag)).ToList();

    public static int FreePort() => LoopbackPorts.Reserve();

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
