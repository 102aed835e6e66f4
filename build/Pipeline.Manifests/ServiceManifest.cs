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

    /// <summary>Whether the container can run with a read-only root filesystem (it writes only to /tmp).</summary>
    public bool ReadOnlyRootFilesystem { get; init; } = true;

    /// <summary>Folder that holds the manifest, the Dockerfile and the build context.</summary>
    public string Directory { get; init; } = "";

    public string DockerfilePath => Path.Combine(Directory, "Dockerfile");

    /// <summary>Name of the environment variable that carries this service's base URL to its callers.</summary>
    public string UrlVariableName => "SERVICE_URL_" + Name.ToUpperInvariant().Replace('-', '_');
}
