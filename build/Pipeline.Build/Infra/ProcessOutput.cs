namespace Pipeline.Build.Infra;

public sealed record ProcessOutput(int ExitCode, IReadOnlyList<string> StandardOutput, IReadOnlyList<string> StandardError);
