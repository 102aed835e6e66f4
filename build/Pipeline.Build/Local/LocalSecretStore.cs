using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// Where the local platform finds the values of the secrets the manifests declare (on AWS, ECS reads them from SSM or
/// Secrets Manager). Two places, the first that has a value wins:
/// <list type="number">
/// <item>the environment: <c>APIGW_SECRET_&lt;VARIABLE&gt;</c> (e.g. <c>APIGW_SECRET_API_KEY</c>), for CI and one-off runs;</item>
/// <item>the environment's secrets file <c>.nuke/secrets.&lt;env&gt;.json</c> (gitignored), keyed by the reference with
/// <c>{env}</c> filled in: <c>{ "ssm:/apigw/local/api-key": "value" }</c>.</item>
/// </list>
/// Every value is registered with the masker as soon as it is read. A declared secret without a value stops a deploy
/// before anything is built or started, with the exact place to put it.
/// </summary>
public sealed class LocalSecretStore(string rootDirectory, string environment, Func<string, string?> environmentVariable)
{
    public const string VariablePrefix = "APIGW_SECRET_";

    /// <summary>The environment's secrets file, <c>.nuke/secrets.&lt;env&gt;.json</c>.</summary>
    public string FilePath => Path.Combine(rootDirectory, ".nuke", $"secrets.{environment}.json");

    string RelativeFilePath => $".nuke/secrets.{environment}.json";

    public static string VariableFor(SecretReference secret) => VariablePrefix + secret.Variable;

    /// <summary>Throws, naming every missing value and where it goes, unless each secret of <paramref name="services"/> has a value.</summary>
    public void CheckComplete(IEnumerable<ServiceManifest> services) => Resolve(services, fingerprintKey: []);

    /// <summary>The value of every secret the services declare, each with a keyed fingerprint for the container's config hash.</summary>
    /// <param name="fingerprintKey">Keys the HMAC that stands for a value in the config hash, so the hash changes with the value but never reveals it.</param>
    public LocalSecretValues Resolve(IEnumerable<ServiceManifest> services, byte[] fingerprintKey)
    {
        var file = ReadFile();
        var values = new List<LocalSecretValue>();
        var missing = new List<(ServiceManifest Service, SecretReference Secret, string Problem)>();
        foreach (var service in services)
            foreach (var secret in service.SecretReferencesFor(environment))
            {
                var fromEnvironment = environmentVariable(VariableFor(secret));
                var (value, source) = fromEnvironment is not null
                    ? (fromEnvironment, $"environment variable {VariableFor(secret)}")
                    : (file.GetValueOrDefault(secret.Reference), RelativeFilePath);
                if (string.IsNullOrEmpty(value))
                {
                    missing.Add((service, secret, value is null ? "no value" : $"an empty value in {source}"));
                    continue;
                }
                SecretMasker.Register(value, $"{secret.Variable} of service {service.Name} ({secret.Reference})");
                values.Add(new LocalSecretValue(service.Name, secret.Variable, secret.Reference, value, source, Fingerprint(fingerprintKey, secret, value)));
            }
        if (missing.Count > 0)
            throw new PipelineException(
                $"{missing.Count} secret(s) declared in the manifests have no value for environment {environment}; nothing was built or started:\n" +
                string.Join("\n", missing.Select(m => $"  service {m.Service.Name}: {m.Secret.Variable} ← {m.Secret.Reference} ({m.Problem}; services/{m.Service.Name}/service.json)")) +
                $"\nPut each value in {RelativeFilePath} (gitignored; keep it mode 600), keyed by its reference:\n" +
                "  { " + string.Join(", ", missing.Select(m => $"\"{m.Secret.Reference}\": \"<value>\"")) + " }\n" +
                "or set it in the environment, which wins over the file: " +
                string.Join(", ", missing.Select(m => $"{VariableFor(m.Secret)}=<value>")) + ".");
        return new LocalSecretValues(values);
    }

    /// <summary>The key for <see cref="Resolve"/>'s fingerprints, derived from the environment's issuer client secret (random, per environment, never in git).</summary>
    public static byte[] FingerprintKeyFrom(LocalIssuerCredentials credentials) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(credentials.ClientSecret), 32, info: "apigw local secret fingerprints"u8.ToArray());

    static string Fingerprint(byte[] key, SecretReference secret, string value) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{secret.Variable}\n{secret.Reference}\n{value}")))[..16];

    IReadOnlyDictionary<string, string> ReadFile()
    {
        if (!File.Exists(FilePath))
            return new Dictionary<string, string>();
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(File.ReadAllText(FilePath)).RootElement;
        }
        catch (JsonException e)
        {
            // Only the position: the parser's message may quote a character of a value.
            throw new PipelineException(
                $"{RelativeFilePath} is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}). It must be an object: {{ \"<reference>\": \"<value>\" }}.");
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw new PipelineException($"{RelativeFilePath} must be a JSON object: {{ \"<reference>\": \"<value>\" }}.");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in root.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new PipelineException($"{RelativeFilePath}: the value of \"{entry.Name}\" must be a string (JSON: put a structured secret in quotes).");
            values[entry.Name] = entry.Value.GetString()!;
        }
        return values;
    }
}

/// <summary>
/// One secret's value for one service's container. <see cref="Fingerprint"/> (an HMAC) is what the config hash sees;
/// <see cref="Value"/> goes into the container's environment only.
/// </summary>
public sealed record LocalSecretValue(string Service, string Variable, string Reference, string Value, string Source, string Fingerprint)
{
    // The value stays out of every rendering (logs, exception messages, test output).
    public override string ToString() => $"{Service}: {Variable} ← {Reference} (from {Source}, value ****)";
}

/// <summary>The secret values of the services being deployed, by service.</summary>
public sealed class LocalSecretValues(IReadOnlyList<LocalSecretValue> values)
{
    public static LocalSecretValues None { get; } = new([]);

    public IReadOnlyList<LocalSecretValue> For(string service) => values.Where(v => v.Service == service).ToList();
}
