using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Manifests;

/// <summary>The services of the product: every folder under <c>services/</c> that holds a <c>service.json</c>.</summary>
public sealed partial class ServiceCatalog
{
    public const string ManifestFileName = "service.json";

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public ServiceCatalog(IReadOnlyList<ServiceManifest> services) => Services = services;

    /// <summary>Services in name order, so every consumer sees them in the same order.</summary>
    public IReadOnlyList<ServiceManifest> Services { get; }

    public IEnumerable<string> Names => Services.Select(s => s.Name);

    public ServiceManifest this[string name] =>
        Find(name) ?? throw new ManifestException(
            $"Unknown service '{name}'. Services that exist: {string.Join(", ", Names)}. " +
            $"A service is a folder under services/ with a {ManifestFileName}.");

    public ServiceManifest? Find(string name) =>
        Services.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The services in deployment waves: every service comes in a later wave than each service it <c>uses</c>, so its
    /// stack can read the used services' SSM parameters; the stacks of one wave are independent and may deploy concurrently.
    /// Within a wave, services are in name order.
    /// </summary>
    /// <exception cref="ManifestException">A service uses one that does not exist, or <c>uses</c> form a cycle.</exception>
    public IReadOnlyList<IReadOnlyList<ServiceManifest>> DeploymentWaves() => DeploymentWaves(Services);

    /// <summary><see cref="DeploymentWaves()"/> flattened: a topological order in which used services come first.</summary>
    public IReadOnlyList<ServiceManifest> InDeploymentOrder() => DeploymentWaves().SelectMany(wave => wave).ToList();

    /// <inheritdoc cref="DeploymentWaves()"/>
    public static IReadOnlyList<IReadOnlyList<ServiceManifest>> DeploymentWaves(IReadOnlyList<ServiceManifest> services)
    {
        var byName = new Dictionary<string, ServiceManifest>(StringComparer.Ordinal);
        foreach (var service in services)
            byName[service.Name] = service;
        foreach (var service in services)
            foreach (var used in service.Uses.Where(u => !byName.ContainsKey(u)))
                throw new ManifestException(
                    $"{service.Name} uses unknown service '{used}'. Services: {string.Join(", ", byName.Keys.Order(StringComparer.Ordinal))}. " +
                    $"Fix 'uses' in {ManifestPath(service)}.");

        // Wave = 0 for a service that uses nothing, else one more than the latest wave of what it uses.
        var waves = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new List<string>();
        int WaveOf(ServiceManifest service)
        {
            if (waves.TryGetValue(service.Name, out var known))
                return known;
            var start = path.IndexOf(service.Name);
            if (start >= 0)
                throw new ManifestException(
                    $"Services use each other in a cycle: {string.Join(" → ", path.Skip(start).Append(service.Name))}. " +
                    "A service's stack deploys after the stacks of the services it uses, so 'uses' must not form a cycle; remove one of these uses.");
            path.Add(service.Name);
            var wave = service.Uses.Select(u => WaveOf(byName[u]) + 1).DefaultIfEmpty(0).Max();
            path.RemoveAt(path.Count - 1);
            waves[service.Name] = wave;
            return wave;
        }

        foreach (var service in services.OrderBy(s => s.Name, StringComparer.Ordinal))
            WaveOf(service);
        return services
            .GroupBy(s => waves[s.Name])
            .OrderBy(g => g.Key)
            .Select(g => (IReadOnlyList<ServiceManifest>)g.OrderBy(s => s.Name, StringComparer.Ordinal).ToList())
            .ToList();
    }

    /// <summary>Reads and validates every manifest under <paramref name="servicesDirectory"/>.</summary>
    public static ServiceCatalog Load(string servicesDirectory)
    {
        if (!System.IO.Directory.Exists(servicesDirectory))
            throw new ManifestException($"Services folder '{servicesDirectory}' does not exist. Run from the repository root or pass the right folder.");

        var manifests = System.IO.Directory.GetDirectories(servicesDirectory)
            .Select(dir => Path.Combine(dir, ManifestFileName))
            .Where(File.Exists)
            .Select(ReadManifest)
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToList();

        if (manifests.Count == 0)
            throw new ManifestException($"No service found under '{servicesDirectory}': each service folder needs a {ManifestFileName}.");

        Validate(manifests);
        return new ServiceCatalog(manifests);
    }

    /// <summary>Finds <c>services/</c> by walking up from <paramref name="start"/> to the folder that holds Pipeline.sln.</summary>
    public static string FindServicesDirectory(string? start = null) =>
        Path.Combine(RepositoryRoot.Find(start), "services");

    static ServiceManifest ReadManifest(string path)
    {
        ServiceManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ServiceManifest>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new ManifestException($"{path}: not a valid service manifest: {e.Message}");
        }
        if (manifest is null)
            throw new ManifestException($"{path}: empty service manifest.");

        var folder = Path.GetFullPath(Path.GetDirectoryName(path)!);
        if (!string.Equals(Path.GetFileName(folder), manifest.Name, StringComparison.Ordinal))
            throw new ManifestException($"{path}: name '{manifest.Name}' must equal its folder name '{Path.GetFileName(folder)}'.");
        return manifest with { Directory = folder };
    }

    static void Validate(IReadOnlyList<ServiceManifest> manifests)
    {
        var problems = new List<string>();
        foreach (var m in manifests)
        {
            if (!NamePattern().IsMatch(m.Name))
                problems.Add($"{m.Name}: name must be lower-case letters, digits and dashes, starting with a letter.");
            if (DeploymentNames.ReservedServiceNames.TryGetValue(m.Name, out var taken))
                problems.Add($"{m.Name}: the service folder '{FolderOf(m)}' has a reserved name. A service's stack is named " +
                             $"{DeploymentNames.ServiceStack("<env>", m.Name)}, which is already {taken}. Rename the folder and the manifest's name " +
                             $"(reserved: {string.Join(", ", DeploymentNames.ReservedServiceNames.Keys)}).");
            if (m.Port is < 1 or > 65535)
                problems.Add($"{m.Name}: port {m.Port} is outside 1-65535.");
            if (m.RoutePrefix != "/api/" + m.Name)
                problems.Add($"{m.Name}: routePrefix must be '/api/{m.Name}' (got '{m.RoutePrefix}'): the gateway maps /api/<service> to each service.");
            if (!m.HealthPath.StartsWith('/'))
                problems.Add($"{m.Name}: healthPath must start with '/'.");
            if (!FargateSizes.IsValid(m.Cpu, m.Memory))
                problems.Add($"{m.Name}: cpu {m.Cpu} with memory {m.Memory} MiB is not a Fargate size; for cpu 256 use 512, 1024 or 2048.");
            if (m.MinTasks < 1 || m.MaxTasks < m.MinTasks)
                problems.Add($"{m.Name}: tasks must satisfy 1 <= minTasks <= maxTasks (got {m.MinTasks}-{m.MaxTasks}).");
            foreach (var text in m.PublicPaths.Concat(m.ResourceMetadataPath is { } metadata ? [metadata] : []))
                if (PublicPath.TryParse(text, out var problem) is null)
                    problems.Add($"{m.Name}: {problem}");
            foreach (var (variable, reference) in m.Secrets)
            {
                if (!VariablePattern().IsMatch(variable))
                    problems.Add($"{m.Name}: secret name '{variable}' must be an environment variable name (letters, digits, '_', not starting with a digit).");
                if (m.Environment.ContainsKey(variable))
                    problems.Add($"{m.Name}: {variable} is both in 'environment' and in 'secrets'; a variable is either plain or secret, remove one.");
                if (SecretReference.TryParse(variable, reference, out var problem) is null)
                    problems.Add($"{m.Name}: {problem}");
            }
            if (m.SecretsKmsKey is { } key && !KmsKeyPattern().IsMatch(key))
                problems.Add($"{m.Name}: secretsKmsKey '{key}' must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>); aliases cannot scope a policy.");
            if (m.SecretsKmsKey is not null && m.Secrets.Count == 0)
                problems.Add($"{m.Name}: secretsKmsKey is set but the service declares no secrets; remove it.");
            problems.AddRange(m.Deployment.Problems(m.Name));
            foreach (var used in m.Uses.Where(u => manifests.All(o => o.Name != u)))
                problems.Add($"{m.Name}: uses unknown service '{used}'.");
        }
        foreach (var clash in manifests.GroupBy(m => m.Port).Where(g => g.Count() > 1))
            problems.Add($"port {clash.Key} is used by {string.Join(" and ", clash.Select(m => m.Name))}; each service needs its own port to run side by side locally.");
        if (problems.Count == 0)
        {
            try
            {
                DeploymentWaves(manifests);
            }
            catch (ManifestException e)
            {
                problems.Add(e.Message);
            }
        }
        if (problems.Count > 0)
            throw new ManifestException("Invalid service manifests:\n  " + string.Join("\n  ", problems));
    }

    static string FolderOf(ServiceManifest m) => m.Directory.Length > 0 ? m.Directory : Path.Combine("services", m.Name);

    static string ManifestPath(ServiceManifest m) => Path.Combine(FolderOf(m), ManifestFileName);

    [GeneratedRegex("^[a-z][a-z0-9-]{0,30}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariablePattern();

    [GeneratedRegex("^arn:[a-z-]+:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$")]
    private static partial Regex KmsKeyPattern();
}
