namespace Pipeline.Build.Engine;

/// <summary>
/// A failure the user can act on. The message names the thing, the problem and the next step;
/// the engine prints it without a stack trace and exits non-zero.
/// </summary>
public class PipelineException(string message, Exception? inner = null) : Exception(message, inner);
