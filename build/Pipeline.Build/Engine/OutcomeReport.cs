namespace Pipeline.Build.Engine;

/// <summary>The table at the end of every run: each target, how it ended and how long it took.</summary>
internal static class OutcomeReport
{
    public static void Write(TextWriter writer, IReadOnlyList<TargetOutcome> outcomes, TimeSpan total, bool dryRun)
    {
        writer.WriteLine();
        var table = new TextTable("Target", "Status", "Duration", "Note");
        foreach (var o in outcomes)
            table.Add(o.Target, Label(o.Status, dryRun), o.Status is TargetStatus.Succeeded or TargetStatus.Failed or TargetStatus.Cancelled ? Format(o.Duration) : "", o.Note);
        table.WriteTo(writer);
        writer.WriteLine();

        var failed = outcomes.Where(o => o.Status == TargetStatus.Failed).Select(o => o.Target).ToList();
        var cancelled = outcomes.FirstOrDefault(o => o.Status == TargetStatus.Cancelled);
        writer.WriteLine(
            cancelled is not null ? $"Build cancelled after {Format(total)}: {cancelled.Target} was {cancelled.Note}."
            : failed.Count == 0 ? $"Build succeeded in {Format(total)}{(dryRun ? " (dry run: nothing was changed)" : "")}."
            : $"Build failed in {Format(total)}: {string.Join(", ", failed)}.");
    }

    static string Label(TargetStatus status, bool dryRun) => status switch
    {
        TargetStatus.Succeeded => dryRun ? "dry run" : "succeeded",
        TargetStatus.Failed => "FAILED",
        TargetStatus.Skipped => "skipped",
        TargetStatus.Cancelled => "cancelled",
        _ => "not run",
    };

    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds < 60 ? $"{duration.TotalSeconds:0.0}s" : $"{(int)duration.TotalMinutes}m{duration.Seconds:00}s";
}
