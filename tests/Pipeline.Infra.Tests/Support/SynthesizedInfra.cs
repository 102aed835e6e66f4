using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Support;

/// <summary>
/// Synthesizes each environment once for the whole test collection: every CDK synth goes through node,
/// so the tests assert on shared templates instead of building their own.
/// </summary>
public sealed class SynthesizedInfra : IDisposable
{
    public const string ThirdService = "orders";

    /// <summary>Services in <see cref="ManyServices"/>: the real ones plus copies of fastapi.</summary>
    public const int ManyServiceCount = 42;
    public const string AlarmEmail = "oncall@example.com";
    public const string AlarmHttpsEndpoint = "https://hooks.example.com/apigw-alarms";

    /// <summary>An identity provider of a team's own, as a profile names it (<see cref="ExternalIssuer"/>).</summary>
    public const string JwtIssuer = "https://login.example.com/tenant-1/v2.0";
    public const string JwtAudience = "api://apigw-dev";

    /// <summary>The redirect URIs the prod profile gives the interactive Cognito client (<c>McpCallbackUrls</c>) instead of the defaults.</summary>
    public static readonly string[] ProdCallbackUrls = ["https://mcp-clients.example.com/oauth/callback", "http://localhost:33418/"];

    /// <summary>The zone IDs the prod profile's subnets are placed in (VPC link zones of us-east-1), deliberately not in sorted order.</summary>
    public static readonly string[] ProdZoneIds = ["use1-az4", "use1-az1"];

    /// <summary>The service of <see cref="WithSecrets"/>: two secrets (an SSM parameter, one key of a Secrets Manager secret) and a KMS key.</summary>
    public const string SecretService = "vault";
    public const string SecretsKmsKey = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    readonly string _root = Path.Combine(Path.GetTempPath(), "pipeline-infra-tests-" + Guid.NewGuid().ToString("N")[..8]);
    readonly Lazy<SynthesizedEnvironment> _dev;
    readonly Lazy<SynthesizedEnvironment> _devAgain;
    readonly Lazy<SynthesizedEnvironment> _prod;
    readonly Lazy<SynthesizedEnvironment> _threeServices;
    readonly Lazy<SynthesizedEnvironment> _manyServices;
    readonly Lazy<SynthesizedEnvironment> _externalIssuer;
    readonly Lazy<SynthesizedEnvironment> _withSecrets;
    readonly Lazy<SynthesizedEnvironment> _rolling;
    readonly Lazy<SynthesizedEnvironment> _overridden;

    /// <summary>The context of <see cref="Overridden"/>: one service's strategy and bake time, as <c>cdk synth -c</c> would pass them.</summary>
    public static readonly IReadOnlyDictionary<string, string> OverrideContext = new Dictionary<string, string>
    {
        ["strategy"] = "fastapi=blue-green",
        ["bakeTime"] = "fastapi=12",
    };

    public SynthesizedInfra()
    {
        ServicesDirectory = ServiceCatalog.FindServicesDirectory();
        Catalog = ServiceCatalog.Load(ServicesDirectory);
        ImageTags = Catalog.Names.ToDictionary(n => n, n => "test-" + n + "-0123456789ab");

        _dev = new(() => Synthesize("dev-a", DevOptions, Catalog));
        _devAgain = new(() => Synthesize("dev-b", DevOptions, Catalog));
        _prod = new(() => Synthesize("prod", DevOptions with
        {
            Environment = "prod",
            NatGateways = 2,
            AlarmEmail = AlarmEmail,
            AlarmHttpsEndpoint = AlarmHttpsEndpoint,
            McpCallbackUrls = ProdCallbackUrls,
            DeletionProtection = true,
            AvailabilityZoneIds = ProdZoneIds,
        }, Catalog));
        _threeServices = new(() => Synthesize("three", DevOptions with { ImageTags = new Dictionary<string, string>() }, ThreeServiceCatalog()));
        _manyServices = new(() => Synthesize("many", DevOptions with { ImageTags = new Dictionary<string, string>() }, ManyServiceCatalog()));
        _externalIssuer = new(() => Synthesize("external-issuer", DevOptions with { JwtIssuer = JwtIssuer, JwtAudience = JwtAudience }, Catalog));
        _withSecrets = new(() => Synthesize("secrets", DevOptions with { ImageTags = new Dictionary<string, string>() }, SecretServiceCatalog()));
        _rolling = new(() => Synthesize("rolling", DevOptions with { StrategyOverrides = new Dictionary<string, string> { [InfraOptions.EveryService] = "rolling" } }, Catalog));
        _overridden = new(() => Synthesize("overridden", InfraOptions.Parse([], key => OverrideContext.GetValueOrDefault(key)) with { ImageTags = ImageTags }, Catalog));
    }

    public string ServicesDirectory { get; }

    public ServiceCatalog Catalog { get; }

    public IReadOnlyDictionary<string, string> ImageTags { get; }

    InfraOptions DevOptions => new() { Environment = "dev", NatGateways = 1, ImageTags = ImageTags };

    public SynthesizedEnvironment Dev => _dev.Value;

    /// <summary>The same inputs as <see cref="Dev"/>, synthesized again into another folder.</summary>
    public SynthesizedEnvironment DevAgain => _devAgain.Value;

    /// <summary>NAT per AZ; subnets placed by zone ID (<see cref="ProdZoneIds"/>); an e-mail address and an https endpoint subscribed to the alarm topic; callback URLs of its own (<see cref="ProdCallbackUrls"/>); deletion protection, as prod's profile.</summary>
    public SynthesizedEnvironment Prod => _prod.Value;

    /// <summary>The real services plus a third one that exists only as a manifest folder.</summary>
    public SynthesizedEnvironment ThreeServices => _threeServices.Value;

    /// <summary>
    /// <see cref="ManyServiceCount"/> services (the real ones, so a <c>uses</c> relation is in, plus copies of fastapi under
    /// other names, ports and prefixes): far more than the single-stack layout could hold under the 500-resource limit.
    /// </summary>
    public SynthesizedEnvironment ManyServices => _manyServices.Value;

    /// <summary>The dev profile with <c>JwtIssuer</c> and <c>JwtAudience</c>: no Cognito, the authorizer trusts that provider.</summary>
    public SynthesizedEnvironment ExternalIssuer => _externalIssuer.Value;

    /// <summary>The real services plus <see cref="SecretService"/>, which declares two secrets, a KMS key and a public subtree.</summary>
    public SynthesizedEnvironment WithSecrets => _withSecrets.Value;

    /// <summary>Dev with <c>--strategy rolling</c> for every service: the templates as they were before services declared a strategy, but for <c>Strategy: ROLLING</c>.</summary>
    public SynthesizedEnvironment Rolling => _rolling.Value;

    /// <summary>Dev with the context <see cref="OverrideContext"/>: fastapi blue/green with 12 minutes of bake, mcp as its manifest says.</summary>
    public SynthesizedEnvironment Overridden => _overridden.Value;

    SynthesizedEnvironment Synthesize(string folder, InfraOptions options, ServiceCatalog catalog)
    {
        Requirements.RequireTools("node");
        return new SynthesizedEnvironment(options, catalog, Path.Combine(_root, folder));
    }

    ServiceCatalog ThreeServiceCatalog()
    {
        var services = CopyOfRealServices("services");
        Directory.CreateDirectory(Path.Combine(services, ThirdService));
        File.WriteAllText(Path.Combine(services, ThirdService, ServiceCatalog.ManifestFileName), $$"""
            { "name": "{{ThirdService}}", "port": 8100, "routePrefix": "/api/{{ThirdService}}", "healthPath": "/ready",
              "cpu": 512, "memory": 1024, "minTasks": 1, "maxTasks": 3, "readOnlyRootFilesystem": false }
            """);
        return ServiceCatalog.Load(services);
    }

    ServiceCatalog SecretServiceCatalog()
    {
        var services = CopyOfRealServices("secret-services");
        Directory.CreateDirectory(Path.Combine(services, SecretService));
        File.WriteAllText(Path.Combine(services, SecretService, ServiceCatalog.ManifestFileName), $$"""
            { "name": "{{SecretService}}", "port": 8200, "routePrefix": "/api/{{SecretService}}", "healthPath": "/health",
              "publicPaths": ["/static/*"],
              "cpu": 256, "memory": 512, "minTasks": 1, "maxTasks": 2, "readOnlyRootFilesystem": true,
              "secrets": { "API_KEY": "ssm:/apigw/{env}/{{SecretService}}/api-key", "DB_PASSWORD": "secretsmanager:apigw/{env}/{{SecretService}}/db:password" },
              "secretsKmsKey": "{{SecretsKmsKey}}" }
            """);
        return ServiceCatalog.Load(services);
    }

    ServiceCatalog ManyServiceCatalog()
    {
        var services = CopyOfRealServices("many-services");
        var fastapi = File.ReadAllText(Path.Combine(Catalog["fastapi"].Directory, ServiceCatalog.ManifestFileName));
        for (var i = 1; Catalog.Services.Count + i <= ManyServiceCount; i++)
        {
            var name = $"svc-{i:00}";
            var manifest = System.Text.Json.Nodes.JsonNode.Parse(fastapi)!.AsObject();
            manifest["name"] = name;
            manifest["port"] = 9000 + i;
            manifest["routePrefix"] = "/api/" + name;
            Directory.CreateDirectory(Path.Combine(services, name));
            File.WriteAllText(Path.Combine(services, name, ServiceCatalog.ManifestFileName), manifest.ToJsonString());
        }
        return ServiceCatalog.Load(services);
    }

    string CopyOfRealServices(string folder)
    {
        var services = Path.Combine(_root, folder);
        foreach (var existing in Catalog.Services)
        {
            Directory.CreateDirectory(Path.Combine(services, existing.Name));
            File.Copy(Path.Combine(existing.Directory, ServiceCatalog.ManifestFileName), Path.Combine(services, existing.Name, ServiceCatalog.ManifestFileName));
        }
        return services;
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }
}
