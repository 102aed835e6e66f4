namespace Pipeline.Build.Engine;

/// <summary>Writes step output to the console, prefixed with the step's subject (usually a service name).</summary>
public sealed class ConsoleStepLog(string? prefix = null) : IStepLog
{
    static readonly Lock Gate = new();

    string Prefix => prefix is null ? "" : $"[{prefix}] ";

    public void Info(string message) => Write(Console.Out, "  " + Prefix + message);

    public void Warn(string message) => Write(Console.Out, "  " + Prefix + "warning: " + message);

    public void Detail(string message) => Write(Console.Out, "    " + Prefix + message);

    public ConsoleStepLog For(string subject) => new(subject);

    // Concurrent steps (parallel image builds) write whole lines, never interleaved halves.
    static void Write(TextWriter writer, string line)
    {
        lock (Gate) writer.WriteLine(line);
    }
}
