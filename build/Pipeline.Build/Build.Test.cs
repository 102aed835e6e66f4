using System.Xml.Linq;
using Pipeline.Build.Engine;

namespace Pipeline.Build;

/// <summary>The project's own test suite, as one target, with one closing count line.</summary>
public sealed partial class Build
{
    internal string TestResultsDirectory => Path.Combine(ArtifactsDirectory, "test-results");

    Target Test => _ => _
        .Description("Check formatting (dotnet format), then run every test project: unit tests, and integration tests on Docker, the registry, moto and CDK")
        .Executes(RunTestsAsync);

    async Task RunTestsAsync()
    {
        if (DryRun)
        {
            Log.Info("would run: dotnet format Pipeline.sln --verify-no-changes, then dotnet test Pipeline.sln (a formatting difference fails the target after the tests)");
            return;
        }
        if (Directory.Exists(TestResultsDirectory)) Directory.Delete(TestResultsDirectory, recursive: true);

        // Both outputs are passed through as they come. A formatting difference fails the target only after the
        // tests have run, so one run reports both.
        Log.Info("checking formatting: dotnet format Pipeline.sln --verify-no-changes");
        var format = await ChildProcess.RunAsync("dotnet",
            ["format", Path.Combine(RootDirectory, "Pipeline.sln"), "--verify-no-changes"],
            RootDirectory, environment: null, (line, _) => Console.WriteLine(line), Cancellation);
        var formatProblem = FormatProblem(format.ExitCode);
        if (formatProblem is not null)
            Log.Warn("formatting: the tests run anyway; the target fails after them.");

        var run = await ChildProcess.RunAsync("dotnet",
            ["test", Path.Combine(RootDirectory, "Pipeline.sln"), "--logger", "trx", "--logger", "console;verbosity=normal",
             "--results-directory", TestResultsDirectory],
            RootDirectory, environment: null, (line, _) => Console.WriteLine(line), Cancellation);

        var counts = TestCounts.FromTrxFiles(Directory.Exists(TestResultsDirectory)
            ? Directory.GetFiles(TestResultsDirectory, "*.trx", SearchOption.AllDirectories)
            : []);
        Console.WriteLine();
        Console.WriteLine($"{counts.Passed} passed, {counts.Failed} failed, {counts.Skipped} skipped");

        string? testProblem = null;
        if (run.ExitCode != 0 || counts.Failed > 0)
            testProblem = $"Tests failed ({counts.Failed} failed; dotnet test exit code {run.ExitCode}). Results: artifacts/test-results/.";
        else if (counts.Passed == 0)
            testProblem = "No test ran. Check that the test projects build and are in Pipeline.sln.";
        else if (counts.Skipped > 0 && ContinuousIntegration.IsOn)
            testProblem = $"{counts.Skipped} test(s) skipped under CI=true: in CI every test must run. See the skip reasons above.";

        var problems = new[] { testProblem, formatProblem }.OfType<string>().ToList();
        if (problems.Count > 0)
            throw new PipelineException(string.Join(" ", problems));
    }

    /// <summary>What a <c>dotnet format --verify-no-changes</c> exit code means for the build, or null when the code is formatted.</summary>
    static string? FormatProblem(int exitCode) => exitCode switch
    {
        0 => null,
        // dotnet format exits with 2 when --verify-no-changes finds files it would change.
        2 => "The code does not follow .editorconfig: dotnet format listed the files and rules before the test output. " +
             "Run dotnet format Pipeline.sln, then commit the result.",
        _ => $"dotnet format could not check the code style (exit code {exitCode}); see its output before the test output.",
    };
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
