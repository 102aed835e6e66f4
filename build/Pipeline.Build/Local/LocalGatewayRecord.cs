using System.Text.Json;

namespace Pipeline.Build.Local;

/// <summary>
/// What the pipeline knows about the gateway it started (<c>artifacts/local/gateway.json</c>):
/// enough to tell whether the running process is still ours and still current.
/// </summary>
public sealed record LocalGatewayRecord(
    int ProcessId,
    int Port,
    string DllPath,
    string DllHash,
    string ManifestsHash,
    string ServicesDirectory,
    DateTimeOffset StartedAt)
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
        catch (JsonException)
        {
            return null;
        }
    }

    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));
    }

    /// <summary>The recorded PID is alive and still runs our gateway DLL (a PID can be reused by anything after a reboot).</summary>
    public bool IsProcessAlive() =>
        Directory.Exists($"/proc/{ProcessId}")
        && ListeningPortHolder.ReadCommandLine(ProcessId).Contains(DllPath, StringComparison.Ordinal);
}
