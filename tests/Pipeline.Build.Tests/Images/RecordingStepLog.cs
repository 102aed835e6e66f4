using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Images;

sealed class RecordingStepLog : IStepLog
{
    readonly List<string> lines = [];

    public IReadOnlyList<string> Lines
    {
        get { lock (lines) return lines.ToList(); }
    }

    public void Info(string message) => Add("info: " + message);

    public void Warn(string message) => Add("warn: " + message);

    public void Detail(string message) => Add("detail: " + message);

    void Add(string line)
    {
        lock (lines) lines.Add(line);
    }
}
