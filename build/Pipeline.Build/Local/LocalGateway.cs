using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Local;

/// <summary>
/// The local gateway: our YARP gateway (build/Pipeline.Gateway), built from source and run as a detached
/// process that outlives the pipeline. Its PID, port and DLL hash go to <c>gateway.json</c> in the artifacts folder,
/// so a later deploy can leave a current gateway alone and <c>Down</c> ends exactly this process.
/// </summary>
public sealed class LocalGateway
{
    public const int DefaultPort = 8080;
    public const string HealthPath = "/_gateway/health";
    const string GatewayAssembly = "Pipeline.Gateway.dll";
    static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    static readonly TimeSpan StartPollInterval = TimeSpan.FromMilliseconds(200);

    readonly OwnProject project;

    /// <param name="repositoryRoot">Folder holding Pipeline.sln; the gateway's sources are under it.</param>
    /// <param name="artifactsDirectory">Where the binary, the record and the log go; default <c>artifacts/local</c>.</param>
    public LocalGateway(string repositoryRoot, string? artifactsDirectory = null)
    {
        repositoryRoot = Path.GetFullPath(repositoryRoot);
        ArtifactsDirectory = Path.GetFullPath(artifactsDirectory ?? Path.Combine(repositoryRoot, "artifacts", "local"));
        project = new OwnProject(repositoryRoot, "build/Pipeline.Gateway/Pipeline.Gateway.csproj",
            ["build/Pipeline.Gateway", "build/Pipeline.Manifests"], BinaryDirectory);
    }

    public string ArtifactsDirectory { get; }
    public string BinaryDirectory => Path.Combine(ArtifactsDirectory, "gateway-bin");
    public string DllPath => Path.Combine(BinaryDirectory, GatewayAssembly);
    public string RecordPath => Path.Combine(ArtifactsDirectory, "gateway.json");
    public string LogPath => Path.Combine(ArtifactsDirectory, "gateway.log");

    /// <summary>
    /// Makes sure our gateway for <paramref name="servicesDirectory"/> listens on 127.0.0.1:<paramref name="port"/>:
    /// builds it when missing or stale, starts or restarts it only when the binary, the manifests or the port changed.
    /// </summary>
    public async Task<Uri> EnsureRunningAsync(string servicesDirectory, int port, bool dryRun, IStepLog log, CancellationToken cancellationToken)
    {
        servicesDirectory = Path.GetFullPath(servicesDirectory);
        var url = new Uri($"http://127.0.0.1:{port}");
        var record = LocalGatewayRecord.Read(RecordPath);
        var running = record is not null && record.IsProcessAlive() ? record : null;
        var binaryCurrent = project.IsCurrent(GatewayAssembly);
        var manifestsHash = HashManifests(servicesDirectory);

        if (binaryCurrent && running is not null
            && running.Port == port && running.DllHash == HashFile(DllPath)
            && running.ManifestsHash == manifestsHash && running.ServicesDirectory == servicesDirectory
            && await LocalHealthProbe.IsHealthyAsync(new Uri(url, HealthPath), TimeSpan.FromSeconds(3), cancellationToken))
        {
            log.Info($"gateway: unchanged at {url} (pid {running.ProcessId})");
            return url;
        }

        if (dryRun)
        {
            log.Info($"gateway: would {(binaryCurrent ? "" : "build and ")}{(running is null ? "start" : "restart")} the gateway at {url} (dry run)");
            return url;
        }

        // The running gateway maps its DLL; rebuilding underneath it could crash it mid-request, so stop it first.
        if (running is not null)
        {
            log.Info($"gateway: stopping pid {running.ProcessId} (binary, manifests or port changed)");
            await ProcessSignal.TerminateAsync(running.ProcessId, TimeSpan.FromSeconds(10), cancellationToken);
        }
        if (!binaryCurrent)
        {
            log.Info("gateway: building from build/Pipeline.Gateway");
            await project.BuildAsync(log, cancellationToken);
        }

        var holder = ListeningPortHolder.Find(port);
        if (holder is not null)
            throw new PipelineException(
                $"Cannot start the local gateway: {holder.Describe()} is already in use. " +
                "Stop that process, or choose another gateway port (--gateway-port).");

        var pid = StartDetached(servicesDirectory, url);
        new LocalGatewayRecord(pid, port, DllPath, HashFile(DllPath), manifestsHash, servicesDirectory, DateTimeOffset.UtcNow).Write(RecordPath);
        await WaitUntilHealthyAsync(pid, url, cancellationToken);
        log.Info($"gateway: listening at {url} (pid {pid}, log {LogPath})");
        return url;
    }

    int StartDetached(string servicesDirectory, Uri url)
    {
        Directory.CreateDirectory(ArtifactsDirectory);
        File.AppendAllText(LogPath, $"--- gateway starting at {DateTimeOffset.UtcNow:O} on {url}\n");
        // setsid gives the gateway its own session, so the end of the pipeline (or a Ctrl-C in its terminal) does not end it;
        // exec keeps the PID that setsid had, which is the PID we record.
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, WorkingDirectory = ArtifactsDirectory };
        foreach (var arg in new[]
                 {
                     "/bin/sh", "-c", "exec \"$0\" \"$@\" </dev/null >>\"$GATEWAY_LOG\" 2>&1",
                     OwnProject.DotnetHost(), DllPath, "--services-dir", servicesDirectory, "--urls", url.ToString().TrimEnd('/'),
                 })
            start.ArgumentList.Add(arg);
        start.Environment["GATEWAY_LOG"] = LogPath;
        using var process = Process.Start(start)
            ?? throw new PipelineException("Could not start the local gateway process (setsid). Check that util-linux is installed.");
        return process.Id;
    }

    async Task WaitUntilHealthyAsync(int pid, Uri url, CancellationToken cancellationToken)
    {
        var healthUrl = new Uri(url, HealthPath);
        var startup = new Poll("The local gateway", StartTimeout, StartPollInterval)
        {
            Continues = "it has been stopped",
            Command = $"tail -n 50 {LogPath}",
        };
        string failure;
        try
        {
            var answered = await startup.UntilAsync(
                async (_, cancellationToken) => await LocalHealthProbe.IsHealthyAsync(healthUrl, TimeSpan.FromSeconds(2), cancellationToken)
                    ? GatewayStart.Answered
                    : ProcessSignal.IsAlive(pid) ? GatewayStart.Starting : GatewayStart.Exited,
                start => start != GatewayStart.Starting,
                _ => $"not answering {healthUrl}",
                cancellationToken);
            if (answered == GatewayStart.Answered)
                return;
            failure = "The local gateway exited at start.";
        }
        catch (PollTimeoutException timeout)
        {
            await ProcessSignal.TerminateAsync(pid, TimeSpan.FromSeconds(5), CancellationToken.None);
            failure = timeout.Message;
        }
        File.Delete(RecordPath);
        var lastLines = File.Exists(LogPath) ? File.ReadLines(LogPath).TakeLast(20) : [];
        throw new PipelineException(
            $"{failure} Last lines of {LogPath}:\n  | " + string.Join("\n  | ", lastLines) +
            "\nFix the cause above and deploy again.");
    }

    enum GatewayStart
    {
        Starting,
        Answered,
        Exited,
    }

    static string HashManifests(string servicesDirectory) =>
        HashFiles(Directory.EnumerateFiles(servicesDirectory, "service.json", SearchOption.AllDirectories)
            .Where(p => Path.GetDirectoryName(Path.GetDirectoryName(p)) == servicesDirectory)
            .OrderBy(p => p, StringComparer.Ordinal), servicesDirectory);

    static string HashFiles(IEnumerable<string> files, string root)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(root, file).Replace('\\', '/') + "\n"));
            hash.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    static string HashFile(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}

/// <summary>The local gateway as recorded and as it answers now.</summary>
public sealed record LocalGatewayStatus(int? ProcessId, Uri? Url, bool Running, bool Healthy);
