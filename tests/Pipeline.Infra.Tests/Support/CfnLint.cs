using System.Diagnostics;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Support;

/// <summary>Runs cfn-lint over templates the way the project lints them: from infra/, so infra/.cfnlintrc applies.</summary>
public static class CfnLint
{
    public static (int ExitCode, string Output) Run(IEnumerable<string> templates)
    {
        var start = new ProcessStartInfo("cfn-lint")
        {
            WorkingDirectory = Path.Combine(RepositoryRoot.Find(), "infra"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var template in templates)
            start.ArgumentList.Add(template);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
