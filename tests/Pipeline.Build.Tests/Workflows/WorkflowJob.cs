using System.Text.RegularExpressions;

namespace Pipeline.Build.Tests.Workflows;

/// <summary>
/// The jobs of a workflow as the checks need them: id, <c>needs</c>, <c>environment</c>, <c>if</c>, and the step lines.
/// Reads the block layout our generator writes (job ids at two spaces under <c>jobs:</c>, their keys at four); a
/// workflow written otherwise is not its input.
/// </summary>
internal sealed partial record WorkflowJob(string Id, IReadOnlyList<string> Needs, string? Environment, IReadOnlyList<string> Lines)
{
    public static IReadOnlyDictionary<string, WorkflowJob> Read(string workflow)
    {
        var lines = workflow.Split('\n');
        var start = Array.IndexOf(lines, "jobs:");
        if (start < 0)
            throw new InvalidOperationException("The workflow has no top-level 'jobs:' key.");
        var jobs = new Dictionary<string, WorkflowJob>(StringComparer.Ordinal);
        string? id = null;
        var body = new List<string>();
        void Close()
        {
            if (id is null) return;
            var needs = body.Select(l => NeedsPattern().Match(l)).FirstOrDefault(m => m.Success) is { } match
                ? match.Groups["list"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : [];
            var environment = body.Select(l => EnvironmentPattern().Match(l)).FirstOrDefault(m => m.Success)?.Groups["name"].Value;
            jobs[id] = new WorkflowJob(id, needs, environment, body.ToList());
        }
        foreach (var line in lines.Skip(start + 1))
        {
            if (line.Length > 0 && !line.StartsWith(' '))
                break;
            if (JobPattern().Match(line) is { Success: true } job)
            {
                Close();
                id = job.Groups["id"].Value;
                body.Clear();
            }
            else if (id is not null)
                body.Add(line);
        }
        Close();
        return jobs;
    }

    /// <summary>The commands of the job's <c>run:</c> keys (one-line ones).</summary>
    public IEnumerable<string> Runs => Lines.Select(l => l.Trim()).Where(l => l.StartsWith("run: ", StringComparison.Ordinal)).Select(l => l["run: ".Length..]);

    [GeneratedRegex("^  (?<id>[A-Za-z0-9_-]+):$")]
    private static partial Regex JobPattern();

    [GeneratedRegex(@"^    needs: \[?(?<list>[^\]#]+?)\]?\s*$")]
    private static partial Regex NeedsPattern();

    [GeneratedRegex(@"^    environment: (?<name>\S+)")]
    private static partial Regex EnvironmentPattern();
}
