using System.Text;
using System.Text.Json;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.History;

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
        await ContinuousIntegration.AppendToJobSummaryAsync(MarkdownSummary(record), ct, environment);
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

    /// <summary>
    /// The job summary of a deploy: how it ended, the API endpoint, what changed (per stack, and each image with its digest),
    /// the health each service answered with, and the record itself (folded).
    /// </summary>
    internal static string MarkdownSummary(DeployRecord record)
    {
        var md = new StringBuilder($"### {record.Target} of {record.Environment} {record.Outcome} at {record.DeployedAt:u} ({record.Duration.TotalSeconds:0} s)\n\n");
        if (ApiEndpoint(record) is { } endpoint)
            md.Append($"**API endpoint:** {endpoint}  \n");
        if (record.PromotedFrom is { } promoted)
            md.Append($"**Images:** promoted from {promoted} (the same digests, copied, not rebuilt)  \n");
        if (record.HistoryId is { } id)
            md.Append($"**History record:** {id}  \n");
        md.Append('\n');

        if (record.Stacks.Count > 0)
        {
            var changed = record.Stacks.Count(s => s.Result is "created" or "updated");
            md.Append($"**What changed:** {changed} of {record.Stacks.Count} stack{(record.Stacks.Count == 1 ? "" : "s")}\n\n| Stack | Result | Duration | Note |\n|---|---|---|---|\n");
            foreach (var stack in record.Stacks)
                md.Append($"| {Cell(stack.Stack)} | {Cell(stack.Result)} | {(stack.Seconds > 0 ? $"{stack.Seconds:0.0} s" : "")} | {Cell(stack.Note)} |\n");
            md.Append('\n');
        }
        if (record.Images.Count > 0)
        {
            md.Append("| Service | Image | Digest | Health |\n|---|---|---|---|\n");
            foreach (var image in record.Images)
            {
                var health = record.Health.FirstOrDefault(h => h.Service == image.Service);
                var answer = health is null ? "not confirmed" : $"✅ version {health.Version}, {health.LatencyMs:0} ms";
                md.Append($"| {Cell(image.Service)} | {Cell(image.Repository + ":" + image.Tag)} | {Cell(image.Digest ?? "")} | {Cell(answer)} |\n");
            }
            md.Append('\n');
        }
        if (record.Health.Count > 0)
            md.Append(string.Join("  \n", record.Health.Select(h => $"Health: {h.Url} answered version {h.Version}"))).Append("\n\n");
        if (record.StackOutputs.Values.Any(o => o.Count > 0))
        {
            md.Append("| Stack | Output | Value |\n|---|---|---|\n");
            foreach (var (stack, outputs) in record.StackOutputs)
                foreach (var (key, value) in outputs)
                    md.Append($"| {Cell(stack)} | {Cell(key)} | {Cell(value)} |\n");
            md.Append('\n');
        }
        md.Append($"<details><summary>Deploy record (artifacts/deploy/{record.Environment}.json)</summary>\n\n```json\n")
            .Append(JsonSerializer.Serialize(record, JsonOptions)).Append("\n```\n\n</details>\n\n");
        return md.ToString();
    }

    static string? ApiEndpoint(DeployRecord record) =>
        record.StackOutputs.Values.Select(o => o.GetValueOrDefault(Pipeline.Manifests.DeploymentNames.ApiEndpointOutput)).FirstOrDefault(v => !string.IsNullOrEmpty(v));

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

    public string? Region { get; init; }

    /// <summary>This run's record in the account's deploy history; null when it could not be written.</summary>
    public string? HistoryId { get; init; }

    /// <summary>For a promotion: the source environment's record whose images this run deployed, <c>dev/20261201T153012Z-3f2a</c>.</summary>
    public string? PromotedFrom { get; init; }

    /// <summary>How each stack ended in this run (empty for a Redeploy, which changes only service stacks' parameters).</summary>
    public IReadOnlyList<DeployedStack> Stacks { get; init; } = [];

    /// <summary>The version each service answered with through the API (empty when HealthCheck did not pass).</summary>
    public IReadOnlyList<DeployedHealth> Health { get; init; } = [];
}

/// <summary>An image as deployed: which service, where it lives, its tag and its registry digest.</summary>
public sealed record DeployedImage(string Service, string Repository, string Tag, string? Digest);
