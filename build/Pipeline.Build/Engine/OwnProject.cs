using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Build.Engine;

/// <summary>
/// One of the repository's own .NET programs that the pipeline runs (the CDK app, the local gateway): built into a
/// folder under artifacts/ only when its sources changed. "Changed" is a content hash of the C# sources and project
/// files of its folders plus the central build settings, kept beside the output.
/// </summary>
public sealed class OwnProject(string repositoryRoot, string projectRelativePath, IReadOnlyList<string> sourceFolders, string outputDirectory)
{
    public const string SourceStampFileName = "source.sha256";
    static readonly string[] CentralSettings = ["Directory.Build.props", "Directory.Packages.props", "global.json"];

    public string OutputDirectory { get; } = Path.GetFullPath(outputDirectory);

    public string ProjectPath => Path.Combine(repositoryRoot, projectRelativePath);

    string StampPath => Path.Combine(OutputDirectory, SourceStampFileName);

    /// <summary>Everything compiled into the program, in a stable order; documentation and build output do not count.</summary>
    public IEnumerable<string> SourceFiles()
    {
        var sources = sourceFolders
            .Select(folder => Path.Combine(repositoryRoot, folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
                .Where(f => !IsBuildOutput(Path.GetRelativePath(folder, f))));
        var settings = CentralSettings.Select(f => Path.Combine(repositoryRoot, f)).Where(File.Exists);
        return sources.Concat(settings).OrderBy(f => f, StringComparer.Ordinal);
    }

    public string SourceHash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in SourceFiles())
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(repositoryRoot, file).Replace('\\', '/') + "\n"));
            hash.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The output exists and was built from the sources as they are now.</summary>
    public bool IsCurrent(string assemblyFileName) =>
        File.Exists(Path.Combine(OutputDirectory, assemblyFileName)) &&
        File.Exists(StampPath) && File.ReadAllText(StampPath).Trim() == SourceHash();

    /// <summary>Builds the project (Release) into <see cref="OutputDirectory"/> and stamps the output with the source hash.</summary>
    public async Task BuildAsync(IStepLog log, CancellationToken cancellation)
    {
        var sourceHash = SourceHash();
        Directory.CreateDirectory(OutputDirectory);
        var output = await ChildProcess.RunAsync(
            DotnetHost(),
            ["build", ProjectPath, "-c", "Release", "-o", OutputDirectory, "-nologo", "-v", "quiet"],
            repositoryRoot,
            environment: null,
            (line, _) => log.Detail(line),
            cancellation);
        if (output.ExitCode != 0)
            throw new PipelineException(
                $"Building {projectRelativePath} failed (exit code {output.ExitCode}):\n  " +
                string.Join("\n  ", output.StandardOutput.Concat(output.StandardError).Where(l => l.Length > 0).TakeLast(30)) +
                $"\nFix the build (dotnet build {projectRelativePath}) and run again.");
        await File.WriteAllTextAsync(StampPath, sourceHash, cancellation);
    }

    /// <summary>
    /// The dotnet host the pipeline itself runs under, so what it builds and starts uses the SDK and runtime
    /// that global.json pinned for the pipeline.
    /// </summary>
    public static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
            return fromSdk;
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
            return current;
        return "dotnet";
    }

    static bool IsBuildOutput(string relativePath) =>
        relativePath.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(segment => segment is "bin" or "obj" or "cdk.out");
}
