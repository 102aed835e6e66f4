using System.Diagnostics;
using System.Text.Json.Nodes;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.EndToEnd;

/// <summary>
/// A private copy of the repository's tracked files (what <c>git ls-files</c> lists: no bin, obj or artifacts),
/// so an end-to-end run compiles, builds and deploys exactly what a fresh clone would, and may change files freely.
/// </summary>
public sealed class RepositoryCopy : IDisposable
{
    RepositoryCopy(string root) => Root = root;

    public string Root { get; }

    public string ServicesDirectory => Path.Combine(Root, "services");

    public static RepositoryCopy Create()
    {
        var source = RepositoryRoot.Find();
        var root = Directory.CreateTempSubdirectory("pipeline-e2e-").FullName;
        foreach (var relative in TrackedFiles(source))
        {
            var from = Path.Combine(source, relative);
            // A tracked file deleted in the working tree is simply not part of the copy.
            if (!File.Exists(from)) continue;
            var to = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(to, File.GetUnixFileMode(from));
        }
        return new RepositoryCopy(root);
    }

    /// <summary>Sets the port in <c>services/&lt;service&gt;/service.json</c>, the one place the pipeline and the gateway read it from.</summary>
    public void SetServicePort(string service, int port)
    {
        var path = Path.Combine(ServicesDirectory, service, "service.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        manifest["port"] = port;
        File.WriteAllText(path, manifest.ToJsonString(new() { WriteIndented = true }) + "\n");
    }

    /// <summary>Appends a line to a file of the copy: a source change that gives the service a new content tag.</summary>
    public void AppendLine(string relativePath, string line) =>
        File.AppendAllText(Path.Combine(Root, relativePath), line + "\n");

    public IReadOnlyList<string> ServiceNames() => ServiceCatalog.Load(ServicesDirectory).Names.ToList();

    static IReadOnlyList<string> TrackedFiles(string repository)
    {
        var start = new ProcessStartInfo("git", ["ls-files", "-z"])
        {
            WorkingDirectory = repository,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var git = Process.Start(start)
            ?? throw new InvalidOperationException("Could not start git to list the repository's files. Install git.");
        var output = git.StandardOutput.ReadToEnd();
        var errors = git.StandardError.ReadToEnd();
        git.WaitForExit();
        if (git.ExitCode != 0)
            throw new InvalidOperationException(
                $"git ls-files in {repository} failed ({git.ExitCode}): {errors.Trim()}. The end-to-end tests copy the tracked files; run them from a git checkout.");
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open (a gateway log being flushed) leaves only a temporary folder behind.
        }
        catch (UnauthorizedAccessException)
        {
            // Files written by a container as another user; the temporary folder is the only thing left.
        }
    }
}
