namespace Pipeline.Build.Engine;

/// <summary>
/// A file the pipeline generates and commits (workflows, the architecture diagram): written only when its content
/// changed, never under a dry run, with one line saying which of the three happened.
/// </summary>
public static class GeneratedFile
{
    /// <param name="displayPath">How the log names the file, e.g. <c>.github/workflows/deploy.yml</c>.</param>
    public static async Task WriteAsync(string path, string displayPath, string content, bool dryRun, IStepLog log, CancellationToken ct = default)
    {
        var current = File.Exists(path) ? await File.ReadAllTextAsync(path, ct) : null;
        var change = current is null ? "created" : "rewritten";
        if (current == content)
            log.Info($"{displayPath}: up to date");
        else if (dryRun)
            log.Info($"{displayPath}: would be {change}");
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await File.WriteAllTextAsync(path, content, ct);
            log.Info($"{displayPath}: {change}");
        }
    }
}
