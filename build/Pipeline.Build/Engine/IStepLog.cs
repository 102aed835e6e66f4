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
