using System.Text;
using System.Text.Json;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws;

/// <summary>
/// Writes the deploy record to <c>&lt;artifacts&gt;/deploy/&lt;environment&gt;.json</c>, and, inside GitHub Actions,
/// the stack outputs as step outputs (GITHUB_OUTPUT) and a summary table (GITHUB_STEP_SUMMARY).
/// </summary>
public sealed class DeployRecordWriter(string artifactsDirectory, Func<string, string?>? environment = null)
{
    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    readonly Func<string, string?> environment = environment ?? System.Environment.GetEnvironmentVariable;

    public string PathFor(string environmentName) => Path.Combine(artifactsDirectory, "deploy", environmentName + ".json");

    public async Task<string> WriteAsync(DeployRecord record, IStepLog log, CancellationToken ct)
    {
        var path = PathFor(record.Environment);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(record, JsonOptions) + "\n", ct);
        log.Info($"deploy record written to {path}");

        if (environment("GITHUB_OUTPUT") is { Length: > 0 } outputFile)
            await File.AppendAllTextAsync(outputFile, GitHubOutputLines(record), ct);
        if (environment("GITHUB_STEP_SUMMARY") is { Length: > 0 } summaryFile)
            await File.AppendAllTextAsync(summaryFile, MarkdownSummary(record), ct);
        return path;
    }

    public static async Task<DeployRecord?> ReadAsync(string path, CancellationToken ct) =>
        File.Exists(path) ? JsonSerializer.Deserialize<DeployRecord>(await File.ReadAllTextAsync(path, ct), JsonOptions) : null;

    static string GitHubOutputLines(DeployRecord record)
    {
        var lines = new StringBuilder();
        foreach (var (_, outputs) in record.StackOutputs)
            foreach (var (key, value) in outputs)
                lines.Append(key).Append('=').Append(OneLine(value)).Append('\n');
        foreach (var image in record.Images)
            lines.Append("image_").Append(image.Service.Replace('-', '_')).Append('=').Append(image.Repository).Append(':').Append(image.Tag).Append('\n');
        return lines.ToString();
    }

    static string MarkdownSummary(DeployRecord record)
    {
        var md = new StringBuilder($"### {record.Target} of {record.Environment} {record.Outcome} at {record.DeployedAt:u} ({record.Duration.TotalSeconds:0} s)\n\n");
        if (record.StackOutputs.Count > 0)
        {
            md.Append("| Stack | Output | Value |\n|---|---|---|\n");
            foreach (var (stack, outputs) in record.StackOutputs)
                foreach (var (key, value) in outputs)
                    md.Append($"| {Cell(stack)} | {Cell(key)} | {Cell(value)} |\n");
            md.Append('\n');
        }
        if (record.Images.Count > 0)
        {
            md.Append("| Service | Image | Digest |\n|---|---|---|\n");
            foreach (var image in record.Images)
                md.Append($"| {Cell(image.Service)} | {Cell(image.Repository + ":" + image.Tag)} | {Cell(image.Digest ?? "")} |\n");
            md.Append('\n');
        }
        return md.ToString();
    }

    static string OneLine(string value) => value.ReplaceLineEndings(" ");

    static string Cell(string value) => OneLine(value).Replace("|", "\\|");
}

/// <summary>
/// What one deploy put where: stack outputs per stack and the images deployed, and how it ended. Written to
/// <c>artifacts/deploy/&lt;environment&gt;.json</c> once the run is over, so it never records a deploy that then failed as done.
/// </summary>
public sealed record DeployRecord(
    string Environment,
    DateTimeOffset DeployedAt,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> StackOutputs,
    IReadOnlyList<DeployedImage> Images)
{
    /// <summary>Deploy or Redeploy.</summary>
    public string Target { get; init; } = "Deploy";

    /// <summary><c>succeeded</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    public string Outcome { get; init; } = "succeeded";

    public TimeSpan Duration { get; init; }
}

/// <summary>An image as deployed: which service, where it lives, its tag and its registry digest.</summary>
public sealed record DeployedImage(string Service, string Repository, string Tag, string? Digest);
