using System.Diagnostics;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Dev;

/// <summary>
/// A .NET service (a folder with a <c>*.csproj</c>): each save is built on this machine by the incremental compiler, with
/// build servers of the session's own kept warm, and the build output, copied to a snapshot, is mounted read-only over the image's <c>/app</c>. The unit tests are the
/// service's test project (the one under tests/ that references it) without its <c>Category=Integration</c> tests, run
/// from the same build.
/// </summary>
public sealed partial class DotnetReload(ServiceManifest service, string project, DevContext context) : IServiceReload
{
    const string Configuration = "Debug";
    const string UnitTestFilter = "Category!=Integration";

    readonly string? testProject = FindTestProject(context.RootDirectory, project);

    /// <summary>
    /// The session's build servers are its own. MSBuild's server and reused nodes answer only builds with the same handshake
    /// salt, and the compiler server only its pipe name: no other build (an IDE's, a parallel Deploy's) reaches them, and the
    /// session ends them by process id without taking anyone else's away. Warm, a build after a save takes about 1.6 s here
    /// instead of 3.7 s with the compiler server alone, or 4.5 s with none.
    /// </summary>
    readonly string sessionId = $"apigw-dev-{Environment.ProcessId}-{service.Name}";

    IReadOnlyDictionary<string, string> BuildEnvironment => new Dictionary<string, string>
    {
        ["MSBUILDNODEHANDSHAKESALT"] = sessionId,
        ["MSBUILDDISABLENODEREUSE"] = "0",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    public ServiceManifest Service => service;

    /// <summary>What the build compiles: the test project (which builds the service too) when there is one.</summary>
    string BuiltProject => testProject ?? project;

    public ReloadKind Classify(IReadOnlyCollection<string> paths) =>
        paths.Any(p => p == "." || p.EndsWith(".csproj", StringComparison.Ordinal) || p.StartsWith("Directory.", StringComparison.Ordinal)
                       || p is "Dockerfile" or ".dockerignore" or "service.json" or "healthcheck" or "packages.lock.json") ? ReloadKind.Rebuild
        : paths.Any(p => p.EndsWith(".md", StringComparison.Ordinal)) && paths.All(p => p.EndsWith(".md", StringComparison.Ordinal)) ? ReloadKind.Ignore
        : ReloadKind.Reload;

    public async Task StartAsync(ServiceImage image, IStepLog log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        // The first build restores (a project file may have changed) and starts the servers the later ones reuse.
        await BuildAsync(restore: true, cancellationToken);
        log.Info($"{service.Name}: built {Relative(BuiltProject)} on this machine in {Poll.Format(clock.Elapsed)}; " +
                 (testProject is null
                     ? "no test project under tests/ references it, so no unit tests run after a save"
                     : $"its unit tests ({UnitTestFilter}) run after every save"));
    }

    public async Task PrepareAsync(string snapshot, CancellationToken cancellationToken)
    {
        await BuildAsync(restore: false, cancellationToken);
        var output = OutputDirectory(project);
        foreach (var file in Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(snapshot, Path.GetRelativePath(output, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    // The whole of /app: the build output holds everything publish would put there for a framework-dependent app.
    public IReadOnlyList<Mount> Mounts(string snapshot) => [new Mount { Type = "bind", Source = snapshot, Target = "/app", ReadOnly = true }];

    public async Task<UnitTestRun> TestAsync(string snapshot, CancellationToken cancellationToken)
    {
        if (testProject is null)
            return new UnitTestRun(true, "no test project", TimeSpan.Zero, []);
        var clock = Stopwatch.StartNew();
        var assembly = Path.Combine(OutputDirectory(testProject), Path.GetFileNameWithoutExtension(testProject) + ".dll");
        var result = await ChildProcess.RunAsync("dotnet", ["vstest", assembly, $"--TestCaseFilter:{UnitTestFilter}"],
            context.RootDirectory, BuildEnvironment, (_, _) => { }, cancellationToken);
        var lines = result.StandardOutput.Concat(result.StandardError).Where(l => l.Trim().Length > 0).ToList();
        var summary = lines.LastOrDefault(l => TestSummary().IsMatch(l)) is { } line ? TestSummary().Match(line).Value : $"vstest exited with {result.ExitCode}";
        return new UnitTestRun(result.ExitCode == 0, summary, clock.Elapsed,
            result.ExitCode == 0 ? [] : lines.Where(l => !l.StartsWith("Test run for", StringComparison.Ordinal) && !l.Contains("VSTest version")).TakeLast(40).ToList());
    }

    async Task BuildAsync(bool restore, CancellationToken cancellationToken)
    {
        string[] arguments = ["build", BuiltProject, "-c", Configuration, "-nologo", "-v", "quiet", "-clp:NoSummary",
            "-p:UseSharedCompilation=true", $"-p:SharedCompilationId={sessionId}"];
        var result = await ChildProcess.RunAsync("dotnet", restore ? arguments : [.. arguments, "--no-restore"],
            context.RootDirectory, BuildEnvironment, (_, _) => { }, cancellationToken);
        if (result.ExitCode != 0)
        {
            var errors = result.StandardOutput.Concat(result.StandardError).Where(l => l.Contains(": error ", StringComparison.Ordinal)).Distinct().ToList();
            throw new ReloadFailedException(
                $"the build of {Relative(BuiltProject)} failed ({errors.Count} error(s))",
                errors.Count > 0 ? errors.Select(l => l.Replace(context.RootDirectory + "/", "")).Take(20).ToList() : result.StandardOutput.TakeLast(20).ToList());
        }
    }

    string Relative(string path) => Path.GetRelativePath(context.RootDirectory, path);

    /// <summary>bin/Debug/&lt;framework&gt; of a project: the one folder there that holds its runtime configuration.</summary>
    static string OutputDirectory(string projectFile)
    {
        var name = Path.GetFileNameWithoutExtension(projectFile);
        var configurationFolder = Path.Combine(Path.GetDirectoryName(projectFile)!, "bin", Configuration);
        return Directory.Exists(configurationFolder)
               && Directory.EnumerateDirectories(configurationFolder).FirstOrDefault(d => File.Exists(Path.Combine(d, name + ".dll"))) is { } folder
            ? folder
            : throw new PipelineException($"The build of {projectFile} left no {name}.dll under {configurationFolder}. Run dotnet build {projectFile} to see why.");
    }

    /// <summary>The project under tests/ that references <paramref name="serviceProject"/>, if any.</summary>
    static string? FindTestProject(string rootDirectory, string serviceProject)
    {
        var tests = Path.Combine(rootDirectory, "tests");
        if (!Directory.Exists(tests))
            return null;
        var fileName = Path.GetFileName(serviceProject);
        return Directory.EnumerateFiles(tests, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Order(StringComparer.Ordinal)
            .FirstOrDefault(p => File.ReadAllText(p).Contains(fileName, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"(Passed|Failed)!\s+-\s+Failed:\s+\d+,\s+Passed:\s+\d+,\s+Skipped:\s+\d+,\s+Total:\s+\d+")]
    private static partial Regex TestSummary();

    /// <summary>Ends the session's build servers: the processes whose environment carries its handshake salt or whose command line its compiler pipe.</summary>
    public ValueTask DisposeAsync()
    {
        // Elsewhere than Linux the servers end by themselves once idle (10 to 15 minutes).
        foreach (var process in ProcessTable.Read().Where(p =>
                     p.Arguments.Contains($"-pipename:{sessionId}") || p.Environment().Contains($"MSBUILDNODEHANDSHAKESALT={sessionId}")))
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(process.Id).Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // It ended by itself meanwhile.
            }
        }
        return ValueTask.CompletedTask;
    }
}
