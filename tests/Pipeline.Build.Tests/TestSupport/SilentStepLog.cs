using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.TestSupport;

/// <summary>A step log that keeps nothing: for fixtures whose synthesis output no test reads.</summary>
sealed class SilentStepLog : IStepLog
{
    public void Info(string message) { }

    public void Warn(string message) { }

    public void Detail(string message) { }
}
