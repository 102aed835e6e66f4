namespace Pipeline.Build.Engine;

/// <summary>
/// Where a step reports progress. Every line goes through the engine's secret masking,
/// so a step never has to think about which of its strings are secret.
/// </summary>
public interface IStepLog
{
    /// <summary>Normal progress a user wants to see ("fastapi: built 3f2a… in 41 s").</summary>
    void Info(string message);

    /// <summary>Something worth attention that does not fail the step.</summary>
    void Warn(string message);

    /// <summary>Chatty detail (build output, event streams); shown, but dimmed.</summary>
    void Detail(string message);
}

/// <summary>Prefixes every line with its subject (a service name), so concurrent builds stay readable.</summary>
public sealed class PrefixedStepLog(IStepLog inner, string subject) : IStepLog
{
    public void Info(string message) => inner.Info($"{subject}: {message}");

    public void Warn(string message) => inner.Warn($"{subject}: {message}");

    public void Detail(string message) => inner.Detail($"{subject} | {message}");
}

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

/// <summary>Passes on warnings only (to <paramref name="inner"/>, if any): for steps whose progress a line of their caller already says.</summary>
public sealed class QuietStepLog(IStepLog? inner = null) : IStepLog
{
    public void Info(string message)
    {
    }

    public void Warn(string message) => inner?.Warn(message);

    public void Detail(string message)
    {
    }
}
