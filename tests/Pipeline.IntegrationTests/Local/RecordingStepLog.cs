using Pipeline.Build.Engine;

namespace Pipeline.IntegrationTests.Local;

/// <summary>Keeps what a step logged so a test can assert on the user-visible lines.</summary>
public sealed class RecordingStepLog : IStepLog
{
    readonly List<string> lines = [];

    public IReadOnlyList<string> Lines { get { lock (lines) return lines.ToList(); } }

    public void Info(string message) { lock (lines) lines.Add(message); }

    public void Warn(string message) { lock (lines) lines.Add("warning: " + message); }

    public void Detail(string message) { lock (lines) lines.Add(message); }
}
