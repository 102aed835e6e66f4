using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Preflight;

/// <summary>How preflight results read: a table (check, result, detail), the fix of each check that did not pass, a summary.</summary>
public static class PreflightReport
{
    public static IReadOnlyList<string> Lines(IReadOnlyList<PreflightResult> results, string subject)
    {
        var table = new TextTable("Check", "Result", "Detail");
        foreach (var result in results)
            table.Add(result.Check, Label(result.Outcome), result.Detail);
        var lines = new List<string>(table.ToLines());
        var fixes = results.Where(r => r.Fix is not null && r.Outcome is PreflightOutcome.Fail or PreflightOutcome.Warn).ToList();
        if (fixes.Count > 0)
        {
            lines.Add("");
            lines.Add("To fix:");
            lines.AddRange(fixes.Select(r => $"  {r.Check} ({Label(r.Outcome)}): {r.Fix}"));
        }
        lines.Add("");
        lines.Add(Summary(results, subject));
        return lines;
    }

    /// <summary>e.g. "Preflight of dev in us-east-1: 9 passed, 2 warnings, 1 failed."</summary>
    public static string Summary(IReadOnlyList<PreflightResult> results, string subject)
    {
        int Count(PreflightOutcome outcome) => results.Count(r => r.Outcome == outcome);
        var parts = new List<string> { $"{Count(PreflightOutcome.Pass)} passed" };
        if (Count(PreflightOutcome.Warn) is var warnings and > 0)
            parts.Add($"{warnings} warning{(warnings == 1 ? "" : "s")}");
        parts.Add($"{Count(PreflightOutcome.Fail)} failed");
        if (Count(PreflightOutcome.Skip) is var skipped and > 0)
            parts.Add($"{skipped} not checked");
        return $"Preflight of {subject}: {string.Join(", ", parts)}.";
    }

    /// <summary>Why a Deploy stops before it creates anything: each failed check with its detail and fix.</summary>
    public static string Refusal(string target, string environment, IReadOnlyList<PreflightResult> results) =>
        $"{target} of {environment} stopped before creating anything: " +
        string.Join(" ", results.Where(r => r.Outcome == PreflightOutcome.Fail).Select(r => $"[{r.Check}] {r.Detail.TrimEnd('.')}. {Sentence(r.Fix)}")) +
        $" Then run {target} again; ./build.sh Preflight checks the rest of the account.";

    /// <summary>A fix that is a command reads "To fix: ..."; one that is already a sentence stays as it is.</summary>
    static string Sentence(string? fix) =>
        fix is null ? "" : char.IsUpper(fix[0]) && fix.EndsWith('.') ? fix : $"To fix: {fix.TrimEnd('.')}.";

    static string Label(PreflightOutcome outcome) => outcome switch
    {
        PreflightOutcome.Pass => "ok",
        PreflightOutcome.Warn => "warning",
        PreflightOutcome.Fail => "FAILED",
        _ => "skipped",
    };
}
