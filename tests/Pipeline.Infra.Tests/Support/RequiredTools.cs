using System.Diagnostics;

namespace Pipeline.Infra.Tests.Support;

/// <summary>
/// External programs some tests need. Missing under CI=true is a failure with a message;
/// on a workstation the test is skipped with the reason.
/// </summary>
public static class RequiredTools
{
    static readonly Dictionary<string, bool> Known = new();

    public static string? Missing(IEnumerable<string> tools)
    {
        var missing = tools.Where(t => !IsAvailable(t)).ToList();
        return missing.Count == 0 ? null : $"needs {string.Join(", ", missing.Select(Describe))}";
    }

    public static void Require(params string[] tools)
    {
        var missing = Missing(tools);
        if (missing is not null)
            throw new InvalidOperationException(
                $"This test {missing}, which is not installed. Install it (the CI setup script must provide it) and run again.");
    }

    static string Describe(string tool) => tool switch
    {
        "node" => "Node.js ('node' on PATH; jsii runs the CDK in it)",
        "cfn-lint" => "cfn-lint ('pip install cfn-lint')",
        "aws" => "the AWS CLI ('aws' on PATH)",
        "moto" => "moto server ('python3 -c \"import moto.server\"' must work)",
        _ => tool,
    };

    static bool IsAvailable(string tool)
    {
        lock (Known)
        {
            if (!Known.TryGetValue(tool, out var available))
                Known[tool] = available = tool == "moto" ? Runs("python3", "-c", "import moto.server") : OnPath(tool);
            return available;
        }
    }

    static bool OnPath(string name) => Pipeline.Build.Engine.ChildProcess.FindOnPath(name) is not null;

    static bool Runs(string file, params string[] args)
    {
        if (!OnPath(file)) return false;
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        process.WaitForExit(60_000);
        return process.HasExited && process.ExitCode == 0;
    }
}
