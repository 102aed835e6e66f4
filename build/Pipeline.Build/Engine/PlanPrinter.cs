namespace Pipeline.Build.Engine;

/// <summary>Writes a plan as text (what runs, in order, and why) or as a Mermaid graph.</summary>
internal static class PlanPrinter
{
    public static void WriteText(TextWriter writer, IReadOnlyList<PlanEntry> plan, bool dryRun)
    {
        writer.WriteLine($"Plan{(dryRun ? " (dry run)" : "")}:");
        var table = new TextTable("#", "Target", "Why", "Will it run");
        var step = 0;
        foreach (var entry in plan)
            table.Add((++step).ToString(), entry.Target.Name, entry.Reason,
                entry.IsSkipped ? "skipped because " + entry.SkipReason : DynamicNote(entry));
        table.WriteTo(writer);
        writer.WriteLine();
        writer.WriteLine("Nothing was run. Drop --plan to run it, or add --dry-run to see what each step would do.");
    }

    static string DynamicNote(PlanEntry entry) =>
        entry.Target.Definition.DynamicConditions.Count == 0
            ? "yes"
            : "if " + string.Join(" and ", entry.Target.Definition.DynamicConditions.Select(c => c.Expression));

    public static void WriteMermaid(TextWriter writer, IReadOnlyList<PlanEntry> plan)
    {
        var included = plan.Select(e => e.Target).ToHashSet();
        writer.WriteLine("```mermaid");
        writer.WriteLine("graph LR");
        var step = 0;
        foreach (var entry in plan)
            writer.WriteLine($"    {entry.Target.Name}[\"{++step}. {entry.Target.Name}{(entry.IsSkipped ? " (skipped)" : "")}\"]");
        foreach (var entry in plan)
        {
            foreach (var dependency in entry.Target.Dependencies.Where(included.Contains))
                writer.WriteLine($"    {dependency.Name} --> {entry.Target.Name}");
            foreach (var triggered in entry.Target.Triggered.Where(included.Contains))
                writer.WriteLine($"    {entry.Target.Name} -. triggers .-> {triggered.Name}");
        }
        var skipped = plan.Where(e => e.IsSkipped).Select(e => e.Target.Name).ToList();
        if (skipped.Count > 0)
        {
            writer.WriteLine("    classDef skipped stroke-dasharray: 5 5,color:#888");
            writer.WriteLine($"    class {string.Join(",", skipped)} skipped");
        }
        writer.WriteLine("```");
    }
}
