using System.Text;

namespace Pipeline.Build.Aws.Diff;

/// <summary>
/// Prints a Diff: one section per stack, every line prefixed with the stack's name, closing with the stack's summary
/// line; then a count of the stacks that would change and of the changes that widen access. As text, or the same as
/// Markdown (for a CI job summary). Values of NoEcho parameters never appear (the diff does not hold them).
/// </summary>
public static class StackDiffReport
{
    public const string Warning = "⚠";

    public static IReadOnlyList<string> ToText(IReadOnlyList<StackDiff> diffs, string subject)
    {
        var lines = new List<string> { $"Diff of {subject}: what ./build.sh Deploy would change" };
        foreach (var diff in diffs)
        {
            lines.AddRange(Details(diff).Select(line => $"{diff.StackName}: {line}"));
            lines.Add($"{diff.StackName}: {Summary(diff)}");
        }
        lines.AddRange(Closing(diffs));
        return lines;
    }

    public static string ToMarkdown(IReadOnlyList<StackDiff> diffs, string subject)
    {
        var md = new StringBuilder($"## Diff of {subject}: what `./build.sh Deploy` would change\n\n| Stack | Change |\n|---|---|\n");
        foreach (var diff in diffs)
            md.Append($"| {Cell(diff.StackName)} | {Cell(Summary(diff))}{(diff.Widenings.Count > 0 ? $" {Warning} {diff.Widenings.Count} widen access" : "")} |\n");
        foreach (var diff in diffs.Where(d => d.HasChanges || d.Notes.Count > 0))
        {
            md.Append($"\n### {diff.StackName}\n\n**{Summary(diff)}**\n\n");
            var details = Details(diff, withWidenings: false, withNotes: false);
            if (details.Count > 0)
                md.Append("```text\n").Append(string.Join("\n", details)).Append("\n```\n\n");
            if (diff.Widenings.Count > 0)
            {
                md.Append("**Widens access:**\n\n");
                foreach (var widening in diff.Widenings)
                    md.Append($"- {Warning} {Inline(widening.ToString())}\n");
                md.Append('\n');
            }
            foreach (var note in diff.Notes)
                md.Append($"> note: {Inline(note)}\n\n");
        }
        md.Append('\n').Append(string.Join("  \n", Closing(diffs).Select(line => $"**{line}**"))).Append('\n');
        return md.ToString();
    }

    /// <summary>The section of one stack, without its prefix and without the summary line.</summary>
    public static IReadOnlyList<string> Details(StackDiff diff, bool withWidenings = true, bool withNotes = true)
    {
        var lines = new List<string>();
        switch (diff.State)
        {
            case StackDiffState.Created:
                lines.Add($"would be created ({diff.Template.Added} resources)");
                break;
            case StackDiffState.NoLongerDeployed:
                lines.Add($"exists ({diff.Status}) but would no longer be deployed");
                break;
            case StackDiffState.Unreadable:
                lines.Add($"exists ({diff.Status}); its deployed template cannot be compared");
                break;
        }
        if (diff.Parameters.Count > 0)
        {
            lines.Add("Parameters");
            foreach (var parameter in diff.Parameters)
                lines.Add($"  {Symbol(parameter)} {parameter.Name}: {Describe(parameter)}");
        }
        if (diff.Template.Resources.Count > 0)
        {
            lines.Add("Resources");
            foreach (var resource in diff.Template.Resources)
            {
                lines.Add($"  {Symbol(resource.Kind)} {resource.Type} {resource.LogicalId}{(resource.Replaced ? " [replacement]" : "")}");
                foreach (var change in resource.Changes)
                    lines.Add($"      └─ {Describe(change)}");
            }
        }
        if (diff.Template.Outputs.Count > 0)
        {
            lines.Add("Outputs");
            foreach (var output in diff.Template.Outputs)
            {
                // A new stack's outputs are listed by name, like its resources; a new output of a stack, with its value.
                var value = output.Kind == DiffKind.Added && diff.State != StackDiffState.Created ? $" = {output.Changes[0].New ?? "(absent)"}" : "";
                lines.Add($"  {Symbol(output.Kind)} {output.Name}{value}");
                if (output.Kind == DiffKind.Modified)
                    foreach (var change in output.Changes)
                        lines.Add($"      └─ {Describe(change with { Path = change.Path.Length == 0 ? "(output)" : change.Path })}");
            }
        }
        if (diff.Template.Other.Count > 0)
        {
            lines.Add("Template");
            foreach (var change in diff.Template.Other)
                lines.Add($"  [~] {Describe(change)}");
        }
        if (withWidenings && diff.Widenings.Count > 0)
        {
            lines.Add("Widens access:");
            foreach (var widening in diff.Widenings)
                lines.Add($"  {Warning} {widening}");
        }
        if (withNotes)
            foreach (var note in diff.Notes)
                lines.Add($"note: {note}");
        return lines;
    }

    /// <summary>e.g. <c>2 to modify (1 replaced), parameters: ImageTagMcp 3f2a… → 9c1d… (commit abc1234)</c>.</summary>
    public static string Summary(StackDiff diff)
    {
        switch (diff.State)
        {
            case StackDiffState.NoLongerDeployed:
                return "no longer deployed (Deploy leaves it as it is)";
            case StackDiffState.Unreadable:
                return "cannot be compared (its deployed template is not JSON)";
        }
        if (!diff.HasChanges)
            return "no changes";
        var template = diff.Template;
        var parts = new List<string>();
        if (template.Resources.Count > 0)
        {
            var counts = new List<string>();
            if (template.Added > 0) counts.Add($"{template.Added} to add");
            if (template.Modified > 0) counts.Add($"{template.Modified} to modify ({template.Replaced} replaced)");
            if (template.Removed > 0) counts.Add($"{template.Removed} to remove");
            parts.Add((diff.State == StackDiffState.Created ? "new stack: " : "") + string.Join(", ", counts));
        }
        else if (diff.State == StackDiffState.Created)
            parts.Add("new stack");
        else
            parts.Add("no resource changes");
        if (template.Outputs.Count > 0 && diff.State != StackDiffState.Created)
            parts.Add($"outputs: {template.Outputs.Count} changed");
        if (template.Other.Count > 0)
            parts.Add($"template: {template.Other.Count} other change{(template.Other.Count == 1 ? "" : "s")}");
        var parameters = diff.Parameters.Where(p => p.Changed).ToList();
        if (parameters.Count > 0)
            parts.Add("parameters: " + string.Join(", ", parameters.Select(p => p.Hidden
                ? $"{p.Name} (NoEcho, value hidden)"
                : $"{p.Name} {p.Old ?? "(unset)"} → {p.New ?? "(unset)"}{(p.Service is null ? "" : $" ({Commit(p.NewCommit)})")}")));
        return string.Join(", ", parts);
    }

    static IEnumerable<string> Closing(IReadOnlyList<StackDiff> diffs)
    {
        var changed = diffs.Where(d => d.HasChanges).ToList();
        var created = changed.Count(d => d.State == StackDiffState.Created);
        var gone = changed.Count(d => d.State == StackDiffState.NoLongerDeployed);
        var planned = diffs.Count(d => d.State != StackDiffState.NoLongerDeployed);
        yield return changed.Count == 0
            ? $"No changes: every stack ({planned}) is as a Deploy would leave it."
            : $"{changed.Count} stack{(changed.Count == 1 ? "" : "s")} would change: {created} to create, {changed.Count - created - gone} to update" +
              (gone > 0 ? $", {gone} no longer deployed" : "") + $" ({planned} planned).";
        var widenings = diffs.Sum(d => d.Widenings.Count);
        yield return widenings == 0
            ? "No change widens access."
            : $"{Warning} {widenings} change{(widenings == 1 ? "" : "s")} widen{(widenings == 1 ? "s" : "")} access (see \"Widens access:\" above); review {(widenings == 1 ? "it" : "them")} before deploying.";
    }

    static string Symbol(DiffKind kind) => kind switch { DiffKind.Added => "[+]", DiffKind.Removed => "[-]", _ => "[~]" };

    static string Symbol(ParameterDiff parameter) =>
        parameter.Hidden ? "[~]" : parameter.Old is null ? "[+]" : parameter.New is null ? "[-]" : "[~]";

    static string Describe(ParameterDiff parameter)
    {
        if (parameter.Hidden)
            return parameter.Changed ? "NoEcho: value hidden" : "NoEcho: value hidden, set on every deploy (DescribeStacks masks it, so a change cannot be told)";
        if (parameter.Service is null)
            return $"{parameter.Old ?? "(unset)"} → {parameter.New ?? "(unset)"}";
        var old = parameter.Old is null ? "(unset)" : $"{parameter.Old} ({Commit(parameter.OldCommit)})";
        var @new = parameter.New is null ? "(unset)" : $"{parameter.New} ({Commit(parameter.NewCommit)})";
        return $"{old} → {@new}";
    }

    static string Commit(string? commit) => commit is null ? "commit unknown" : $"commit {commit}";

    static string Describe(PropertyChange change)
    {
        var text = change.Via is not null
            ? $"{change.Path}: changes with {change.Via}"
            : $"{change.Path}: {change.Old ?? "(absent)"} → {change.New ?? "(absent)"}";
        return change.Replaces ? text + " (replaces)" : text;
    }

    static string Cell(string text) => Inline(text).Replace("|", "\\|", StringComparison.Ordinal);

    static string Inline(string text) => text.ReplaceLineEndings(" ");
}
