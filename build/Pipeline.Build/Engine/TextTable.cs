namespace Pipeline.Build.Engine;

/// <summary>
/// A plain-text table with aligned columns. Plain on purpose: it reads the same in a terminal,
/// a CI log and a pasted issue comment.
/// </summary>
public sealed class TextTable(params string[] headers)
{
    readonly List<string[]> rows = [];

    public TextTable Add(params string?[] cells)
    {
        rows.Add(cells.Select(c => c ?? "").ToArray());
        return this;
    }

    public void WriteTo(TextWriter writer, string indent = "  ")
    {
        foreach (var line in ToLines(indent))
            writer.WriteLine(line);
    }

    public IReadOnlyList<string> ToLines(string indent = "  ")
    {
        var widths = headers.Select((h, i) => rows.Select(r => i < r.Length ? r[i].Length : 0).Append(h.Length).Max()).ToArray();
        string Line(IReadOnlyList<string> cells) =>
            (indent + string.Join("  ", cells.Select((c, i) => i == cells.Count - 1 ? c : c.PadRight(widths[i])))).TrimEnd();

        return [Line(headers), Line(widths.Select(w => new string('-', w)).ToArray()), .. rows.Select(Line)];
    }
}
