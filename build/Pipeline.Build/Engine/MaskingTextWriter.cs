using System.Text;

namespace Pipeline.Build.Engine;

/// <summary>
/// Wraps the console so that every line, from the engine, a step or a library, is masked before it is written.
/// Text is held until a line ends, so a secret split across two Write calls is still caught.
/// </summary>
public sealed class MaskingTextWriter(TextWriter inner) : TextWriter
{
    readonly StringBuilder pending = new();
    readonly Lock gate = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        lock (gate)
        {
            pending.Append(value);
            if (value == '\n') FlushLine();
        }
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        lock (gate)
        {
            pending.Append(value);
            if (value.Contains('\n')) FlushLine();
        }
    }

    public override void WriteLine(string? value) => Write((value ?? "") + NewLine);

    /// <summary>
    /// Writes one line exactly as given, after everything written before it (masked): for the run's deliberate result
    /// (<see cref="PipelineBuild.ResultLine"/>), which is a registered secret everywhere else.
    /// </summary>
    public void WriteLineUnmasked(string line)
    {
        lock (gate)
        {
            if (pending.Length > 0)
            {
                inner.Write(SecretMasker.Apply(pending.ToString()));
                pending.Clear();
            }
            inner.Write(line + NewLine);
            inner.Flush();
        }
    }

    public override void Flush()
    {
        lock (gate)
        {
            if (pending.Length > 0)
            {
                inner.Write(SecretMasker.Apply(pending.ToString()));
                pending.Clear();
            }
            inner.Flush();
        }
    }

    void FlushLine()
    {
        var text = pending.ToString();
        var lastNewLine = text.LastIndexOf('\n');
        inner.Write(SecretMasker.Apply(text[..(lastNewLine + 1)]));
        pending.Clear().Append(text[(lastNewLine + 1)..]);
        inner.Flush();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Flush();
        base.Dispose(disposing);
    }
}
