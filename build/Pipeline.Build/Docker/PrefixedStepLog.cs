using Pipeline.Build.Engine;

namespace Pipeline.Build.Docker;

/// <summary>Prefixes every line with its subject (a service name), so concurrent builds stay readable.</summary>
public sealed class PrefixedStepLog(IStepLog inner, string subject) : IStepLog
{
    public void Info(string message) => inner.Info($"{subject}: {message}");

    public void Warn(string message) => inner.Warn($"{subject}: {message}");

    public void Detail(string message) => inner.Detail($"{subject} | {message}");
}
