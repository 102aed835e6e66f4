using System.Xml.Linq;
using Pipeline.Build.Engine;

namespace Pipeline.Build;

/// <summary>The project's own test suite, as one target, with one closing count line.</summary>
public sealed partial class Build
{
    internal string TestResultsDirectory => Path.Combine(ArtifactsDirectory, "test-results");

    Target Test => _ => _
        .Description("Run every test project: unit tests, and integration tests on Docker, the registry, moto and CDK")
        .Executes(RunTestsAsync);

    async Task RunTestsAsync()
    {
        if (DryRun)
        {
            Log.Info("would run: dotnet test Pipeline.sln");
            return;
        }
        if (Directory.Exists(TestResultsDirectory)) Directory.Delete(TestResultsDirectory, recursive: true);

        // dotnet test formats its own output: pass it through as it comes.
        var run = await ChildProcess.RunAsync("dotnet",
            ["test", Path.Combine(RootDirectory, "Pipeline.sln"), "--logger", "trx", "--logger", "console;verbosity=normal",
             "--results-directory", TestResultsDirectory],
            RootDirectory, environment: null, (line, _) => Console.WriteLine(line), Cancellation);

        var counts = TestCounts.FromTrxFiles(Directory.Exists(TestResultsDirectory)
            ? Directory.GetFiles(TestResultsDirectory, "*.trx", SearchOption.AllDirectories)
            : []);
        Console.WriteLine();
        Console.WriteLine($"{counts.Passed} passed, {counts.Failed} failed, {counts.Skipped} skipped");

        if (run.ExitCode != 0 || counts.Failed > 0)
            throw new PipelineException($"Tests failed ({counts.Failed} failed; dotnet test exit code {run.ExitCode}). Results: artifacts/test-results/.");
        if (counts.Passed == 0)
            throw new PipelineException("No test ran. Check that the test projects build and are in Pipeline.sln.");
        if (counts.Skipped > 0 && ContinuousIntegration.IsOn)
            throw new PipelineException($"{counts.Skipped} test(s) skipped under CI=true: in CI every test must run. See the skip reasons above.");
    }
}

/// <summary>Totals over the .trx result files of one test run.</summary>
internal sealed record TestCounts(int Passed, int Failed, int Skipped)
{
    public static TestCounts FromTrxFiles(IEnumerable<string> paths)
    {
        int passed = 0, failed = 0, skipped = 0;
        foreach (var path in paths)
        {
            var counters = XDocument.Load(path).Descendants().FirstOrDefault(e => e.Name.LocalName == "Counters");
            if (counters is null) continue;
            int Read(string name) => int.TryParse(counters.Attribute(name)?.Value, out var n) ? n : 0;
            passed += Read("passed");
            failed += Read("failed") + Read("error") + Read("timeout") + Read("aborted");
            skipped += Read("notExecuted");
        }
        return new TestCounts(passed, failed, skipped);
    }
}
