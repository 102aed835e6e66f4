namespace Pipeline.Manifests;

/// <summary>
/// What one service is, read from <c>services/&lt;name&gt;/service.json</c>.
/// The pipeline, the local platform and the CDK app all read this and nothing else,
/// so a new service is a new folder, not new code.
/// </summary>
public sealed record ServiceManifest
{
    /// <summary>Lower-case name; also the folder name, the ECR repository suffix and the route segment.</summary>
    public required string Name { get; init; }

    /// <summary>Port the container listens on.</summary>
    public required int Port { get; init; }

    /// <summary>Gateway route prefix, e.g. <c>/api/fastapi</c>. Requests to it and below go to this service.</summary>
    public required string RoutePrefix { get; init; }

    /// <summary>Path of the health endpoint inside the service, e.g. <c>/health</c>.</summary>
    public string HealthPath { get; init; } = "/health";

    /// <summary>Fargate CPU units (256 = 0.25 vCPU).</summary>
    public int Cpu { get; init; } = 256;

    /// <summary>Fargate memory in MiB.</summary>
    public int Memory { get; init; } = 512;

    public int MinTasks { get; init; } = 2;

    public int MaxTasks { get; init; } = 4;

    /// <summary>Plain (non-secret) environment variables for the container.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Other services this one calls. The platform gives the container
    /// <c>SERVICE_URL_&lt;NAME&gt;</c> (upper case) with the base URL of each.
    /// </summary>
    public IReadOnlyList<string> Uses { get; init; } = [];

    /// <summary>
    /// Paths under the service that need no token (<c>/docs</c>, or <c>/static/*</c> for a subtree). Everything else needs a
    /// valid bearer token on both platforms. The health path is public without being listed here.
    /// </summary>
    public IReadOnlyList<string> PublicPaths { get; init; } = [];

    /// <summary>
    /// Where the service publishes its OAuth Protected Resource Metadata (RFC 9728), e.g. <c>/.well-known/oauth-protected-resource</c>,
    /// when it is an OAuth protected resource (the MCP server). The path is public, and the local gateway's 401s for this
    /// service name it in <c>WWW-Authenticate: Bearer resource_metadata="..."</c>, as the MCP authorization spec asks.
    /// </summary>
    public string? ResourceMetadataPath { get; init; }

    /// <summary>
    /// Container variable → where its value lives: <c>ssm:/apigw/{env}/api-key</c> or <c>secretsmanager:apigw/{env}/db[:json key]</c>.
    /// References only; values never enter the repository, a template, an image, a log or the deploy history.
    /// </summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// ARN of the customer-managed KMS key that encrypts this service's secrets, when not the AWS-managed default; only then
    /// does the task execution role get <c>kms:Decrypt</c>, and only on this key.
    /// </summary>
    public string? SecretsKmsKey { get; init; }

    /// <summary>The paths that need no token: the health path, <see cref="ResourceMetadataPath"/> and <see cref="PublicPaths"/>, in that order.</summary>
    public IReadOnlyList<PublicPath> UnauthenticatedPaths =>
        new[] { HealthPath }
            .Concat(ResourceMetadataPath is { } metadata ? [metadata] : [])
            .Concat(PublicPaths)
            .Select(text => PublicPath.TryParse(text, out _))
            .OfType<PublicPath>()
            .Distinct()
            .ToList();

    /// <summary>Whether a request path under the service root (prefix stripped, e.g. <c>/compute/statistics</c>) needs no token.</summary>
    public bool IsPublic(string pathUnderService) => UnauthenticatedPaths.Any(p => p.Matches(pathUnderService));

    /// <summary><see cref="Secrets"/> parsed, in variable order (the catalog has validated them).</summary>
    public IReadOnlyList<SecretReference> SecretReferences =>
        Secrets.OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => SecretReference.TryParse(s.Key, s.Value, out _))
            .OfType<SecretReference>()
            .ToList();

    /// <summary><see cref="SecretReferences"/> for one environment (<c>{env}</c> replaced).</summary>
    public IReadOnlyList<SecretReference> SecretReferencesFor(string environment) =>
        SecretReferences.Select(s => s.For(environment)).ToList();

    /// <summary>
    /// How a new version takes over the traffic (<c>rolling</c>, <c>blue-green</c>, <c>canary</c>, <c>linear</c>) and its timings;
    /// the same settings drive ECS on AWS and the local gateway. Default: <see cref="RolloutStrategy.Default"/>.
    /// </summary>
    public RolloutStrategy Deployment { get; init; } = RolloutStrategy.Default;

    /// <summary>Whether the container can run with a read-only root filesystem (it writes only to /tmp).</summary>
    public bool ReadOnlyRootFilesystem { get; init; } = true;

    /// <summary>Folder that holds the manifest, the Dockerfile and the build context.</summary>
    public string Directory { get; init; } = "";

    public string DockerfilePath => Path.Combine(Directory, "Dockerfile");

    /// <summary>Name of the environment variable that carries this service's base URL to its callers.</summary>
    public string UrlVariableName => "SERVICE_URL_" + Name.ToUpperInvariant().Replace('-', '_');
}
