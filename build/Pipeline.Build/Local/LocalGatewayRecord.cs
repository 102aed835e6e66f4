using System.Text.Json;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// What the pipeline knows about the gateway it started (<c>artifacts/&lt;env&gt;/gateway.json</c>):
/// enough to tell whether the running process is still ours and still current (its binary, manifests, port and issuer
/// credentials, by hash; whether its issuer approves without the consent page), and the token of its admin endpoint.
/// The file holds that token, so only its owner may read it (mode 600); it is written whole or not at all.
/// </summary>
public sealed record LocalGatewayRecord(
    int ProcessId,
    int Port,
    string DllPath,
    string DllHash,
    string ManifestsHash,
    string ServicesDirectory,
    DateTimeOffset StartedAt,
    string? AdminToken = null,
    bool ReusePort = false,
    string? IssuerHash = null,
    bool AutoApprove = false)
{
    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public Uri Url => new($"http://127.0.0.1:{Port}");

    public static LocalGatewayRecord? Read(string path)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<LocalGatewayRecord>(File.ReadAllText(path), JsonOptions);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    /// <summary>Writes the record whole and readable by its owner only: it holds the admin token.</summary>
    public void Write(string path) => OwnerOnlyFile.Replace(path, JsonSerializer.Serialize(this, JsonOptions));

    /// <summary>The recorded PID is alive and still runs our gateway DLL (a PID can be reused by anything after a reboot).</summary>
    public bool IsProcessAlive() =>
        Directory.Exists($"/proc/{ProcessId}")
        && ListeningPortHolder.ReadCommandLine(ProcessId).Contains(DllPath, StringComparison.Ordinal);

    // The token stays out of every rendering of the record (logs, exception messages, test output).
    public override string ToString() =>
        $"LocalGatewayRecord {{ ProcessId = {ProcessId}, Port = {Port}, DllPath = {DllPath}, StartedAt = {StartedAt:O}, AdminToken = {(AdminToken is null ? "none" : "****")} }}";
}
