using System.Collections.Concurrent;
using Pipeline.Build.Engine;

namespace Pipeline.IntegrationTests;

/// <summary>Keeps every line a step logs, so tests can assert on what a user would see.</summary>
public sealed class RecordingStepLog : IStepLog
{
    readonly ConcurrentQueue<string> lines = new();

    public IReadOnlyList<string> Lines => lines.ToList();

    public string Text => string.Join("\n", lines);

    public void Info(string message) => lines.Enqueue(message);

    public void Warn(string message) => lines.Enqueue("warning: " + message);

    public void Detail(string message) => lines.Enqueue(message);
}
