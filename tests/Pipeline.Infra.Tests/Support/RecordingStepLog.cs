using Pipeline.Build.Engine;

namespace Pipeline.Infra.Tests.Support;

public sealed class RecordingStepLog : IStepLog
{
    readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToList(); } }

    public void Info(string message) { lock (_lines) _lines.Add("info: " + message); }

    public void Warn(string message) { lock (_lines) _lines.Add("warn: " + message); }

    public void Detail(string message) { lock (_lines) _lines.Add("detail: " + message); }
}
