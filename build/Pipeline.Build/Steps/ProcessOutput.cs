namespace Pipeline.Build.Steps;

public sealed record ProcessOutput(int ExitCode, IReadOnlyList<string> StandardOutput, IReadOnlyList<string> StandardError);
