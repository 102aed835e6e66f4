using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Support;

/// <summary>
/// Synthesizes each environment once for the whole test collection: every CDK synth goes through node,
/// so the tests assert on shared templates instead of building their own.
/// </summary>
public sealed class SynthesizedInfra : IDisposable
{
    public const string ThirdService = "orders";
    public const string AlarmTopicArn = "arn:aws:sns:us-east-1:123456789012:apigw-alarms";

    readonly string _root = Path.Combine(Path.GetTempPath(), "pipeline-infra-tests-" + Guid.NewGuid().ToString("N")[..8]);
    readonly Lazy<SynthesizedEnvironment> _dev;
    readonly Lazy<SynthesizedEnvironment> _devAgain;
    readonly Lazy<SynthesizedEnvironment> _prod;
    readonly Lazy<SynthesizedEnvironment> _threeServices;

    public SynthesizedInfra()
    {
        ServicesDirectory = ServiceCatalog.FindServicesDirectory();
        Catalog = ServiceCatalog.Load(ServicesDirectory);
        ImageTags = Catalog.Names.ToDictionary(n => n, n => "test-" + n + "-0123456789ab");

        _dev = new(() => Synthesize("dev-a", DevOptions, Catalog));
        _devAgain = new(() => Synthesize("dev-b", DevOptions, Catalog));
        _prod = new(() => Synthesize("prod", DevOptions with { Environment = "prod", NatGateways = 2, AlarmTopicArn = AlarmTopicArn }, Catalog));
        _threeServices = new(() => Synthesize("three", DevOptions with { ImageTags = new Dictionary<string, string>() }, ThreeServiceCatalog()));
    }

    public string ServicesDirectory { get; }

    public ServiceCatalog Catalog { get; }

    public IReadOnlyDictionary<string, string> ImageTags { get; }

    InfraOptions DevOptions => new() { Environment = "dev", NatGateways = 1, ImageTags = ImageTags };

    public SynthesizedEnvironment Dev => _dev.Value;

    /// <summary>The same inputs as <see cref="Dev"/>, synthesized again into another folder.</summary>
    public SynthesizedEnvironment DevAgain => _devAgain.Value;

    /// <summary>NAT per AZ and an alarm topic.</summary>
    public SynthesizedEnvironment Prod => _prod.Value;

    /// <summary>The real services plus a third one that exists only as a manifest folder.</summary>
    public SynthesizedEnvironment ThreeServices => _threeServices.Value;

    SynthesizedEnvironment Synthesize(string folder, InfraOptions options, ServiceCatalog catalog)
    {
        RequiredTools.Require("node");
        return new SynthesizedEnvironment(options, catalog, Path.Combine(_root, folder));
    }

    ServiceCatalog ThreeServiceCatalog()
    {
        var services = Path.Combine(_root, "services");
        foreach (var existing in Catalog.Services)
        {
            Directory.CreateDirectory(Path.Combine(services, existing.Name));
            File.Copy(Path.Combine(existing.Directory, ServiceCatalog.ManifestFileName), Path.Combine(services, existing.Name, ServiceCatalog.ManifestFileName));
        }
        Directory.CreateDirectory(Path.Combine(services, ThirdService));
        File.WriteAllText(Path.Combine(services, ThirdService, ServiceCatalog.ManifestFileName), $$"""
            { "name": "{{ThirdService}}", "port": 8100, "routePrefix": "/api/{{ThirdService}}", "healthPath": "/ready",
              "cpu": 512, "memory": 1024, "minTasks": 1, "maxTasks": 3, "readOnlyRootFilesystem": false }
            """);
        return ServiceCatalog.Load(services);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }
}
