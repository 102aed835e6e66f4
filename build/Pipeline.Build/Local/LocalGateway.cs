using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// The local gateway: our YARP gateway (build/Pipeline.Gateway), built from source and run as a detached
/// process that outlives the pipeline. Its PID, port, DLL hash and admin token go to <c>gateway.json</c> in the artifacts
/// folder, so a later deploy can leave a current gateway alone, switch its routes, and <c>Down</c> ends exactly this process.
/// The gateway also hosts the environment's token issuer: its credentials (<see cref="IssuerFile"/>, generated on the first
/// start and kept) are passed by path, so every gateway of the environment, a replacement too, signs and accepts the same tokens.
/// <para>
/// A gateway whose code, manifests or port changed is replaced without leaving the port unserved: the new binary is built
/// into a folder of its own (named after its source hash) while the old gateway keeps serving from its folder; only a
/// successful build starts a new process, which binds the same port with SO_REUSEPORT beside the old one; once it answers
/// its health check (identified by its PID) the old one is stopped gracefully (it stops accepting, finishes what it has).
/// A failed build or start leaves the old gateway serving.
/// </para>
/// </summary>
public sealed class LocalGateway
{
    public const int DefaultPort = 8080;
    public const string HealthPath = "/_gateway/health";
    const string GatewayAssembly = "Pipeline.Gateway.dll";
    const string ProjectPath = "build/Pipeline.Gateway/Pipeline.Gateway.csproj";
    static readonly string[] SourceFolders = ["build/Pipeline.Gateway", "build/Pipeline.Manifests"];
    static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    static readonly TimeSpan StartPollInterval = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(10);

    // A new connection per probe: two gateways share the port during a replacement, and a pooled connection would keep asking the same one.
    static readonly HttpClient Probe = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero })
    {
        Timeout = TimeSpan.FromSeconds(2),
    };

    readonly string repositoryRoot;

    /// <param name="repositoryRoot">Folder holding Pipeline.sln; the gateway's sources are under it.</param>
    /// <param name="artifactsDirectory">Where the binaries, the record, the issuer's credentials and the log go; default <c>artifacts/local</c>.</param>
    /// <param name="environment">The environment the gateway serves; its tokens carry <c>apigw-&lt;environment&gt;</c> as audience.</param>
    public LocalGateway(string repositoryRoot, string? artifactsDirectory = null, string environment = "local")
    {
        this.repositoryRoot = Path.GetFullPath(repositoryRoot);
        ArtifactsDirectory = Path.GetFullPath(artifactsDirectory ?? Path.Combine(this.repositoryRoot, "artifacts", environment));
        Environment = environment;
        Audience = LocalIssuerCredentials.AudienceFor(environment);
    }

    /// <summary>The environment the gateway serves, e.g. <c>local</c>; it names the audience and each service's scope.</summary>
    public string Environment { get; }

    public string ArtifactsDirectory { get; }

    /// <summary>
    /// Whether the gateway's issuer approves authorization requests for loopback redirect URIs without its consent page
    /// (<c>--local-auth-auto-approve</c>, passed as <c>LOCAL_AUTH_AUTO_APPROVE</c>); a running gateway that differs is replaced.
    /// </summary>
    public bool AutoApprove { get; init; }

    /// <summary>The audience of the environment's tokens, e.g. <c>apigw-local</c>; the services get it as <c>AUTH_AUDIENCE</c>.</summary>
    public string Audience { get; }

    /// <summary>The local issuer's signing key and client (<c>artifacts/&lt;env&gt;/local-issuer.json</c>, mode 600, outside git).</summary>
    public string IssuerFile => Path.Combine(ArtifactsDirectory, LocalIssuerCredentials.FileName);

    /// <summary>The environment's issuer credentials, generated (and registered with the masker) when this is the first deploy.</summary>
    public LocalIssuerCredentials EnsureIssuerCredentials(IStepLog? log = null)
    {
        try
        {
            var (credentials, created) = LocalIssuerCredentials.Ensure(IssuerFile, Audience);
            SecretMasker.Register(credentials.ClientSecret);
            if (created)
                log?.Info($"issuer: generated the signing key and token client of audience {Audience} in {IssuerFile} (mode 600; kept across deploys and gateway replacements)");
            return credentials;
        }
        catch (ManifestException e)
        {
            throw new PipelineException(e.Message);
        }
    }

    /// <summary>The environment's issuer credentials as the first deploy wrote them; null before that.</summary>
    public LocalIssuerCredentials? ReadIssuerCredentials()
    {
        if (!File.Exists(IssuerFile))
            return null;
        try
        {
            var credentials = LocalIssuerCredentials.Read(IssuerFile);
            SecretMasker.Register(credentials.ClientSecret);
            return credentials;
        }
        catch (ManifestException e)
        {
            throw new PipelineException(e.Message);
        }
    }

    /// <summary>Holds one folder per built source hash; a running gateway's folder is never written to.</summary>
    public string BinaryDirectory => Path.Combine(ArtifactsDirectory, "gateway-bin");

    /// <summary>The gateway DLL built from the sources as they are now (it may not be built yet).</summary>
    public string DllPath => Path.Combine(CurrentProject().OutputDirectory, GatewayAssembly);

    public string RecordPath => Path.Combine(ArtifactsDirectory, "gateway.json");
    public string LogPath => Path.Combine(ArtifactsDirectory, "gateway.log");

    OwnProject CurrentProject()
    {
        var hash = new OwnProject(repositoryRoot, ProjectPath, SourceFolders, BinaryDirectory).SourceHash();
        return new OwnProject(repositoryRoot, ProjectPath, SourceFolders, Path.Combine(BinaryDirectory, hash[..16]));
    }

    /// <summary>
    /// Makes sure our gateway for <paramref name="servicesDirectory"/> listens on 127.0.0.1:<paramref name="port"/>:
    /// builds it when missing or stale, starts or replaces it only when the binary, the manifests or the port changed.
    /// </summary>
    /// <param name="liveUpstreams">Where each service's live container listens now; asked only when a gateway process starts.</param>
    public async Task<Uri> EnsureRunningAsync(
        string servicesDirectory, int port, bool dryRun, IStepLog log, CancellationToken cancellationToken,
        Func<CancellationToken, Task<IReadOnlyDictionary<string, Uri>>>? liveUpstreams = null)
    {
        servicesDirectory = Path.GetFullPath(servicesDirectory);
        var url = new Uri($"http://127.0.0.1:{port}");
        var record = LocalGatewayRecord.Read(RecordPath);
        var running = record is not null && record.IsProcessAlive() ? record : null;
        await StopUnrecordedAsync(running, dryRun, log, cancellationToken);
        var project = CurrentProject();
        var dllPath = Path.Combine(project.OutputDirectory, GatewayAssembly);
        var binaryCurrent = project.IsCurrent(GatewayAssembly);
        var manifestsHash = HashManifests(servicesDirectory);
        if (!dryRun)
            EnsureIssuerCredentials(log);
        var issuerHash = File.Exists(IssuerFile) ? HashFile(IssuerFile) : null;

        if (binaryCurrent && running is not null
            && running.Port == port && running.DllPath == dllPath && running.DllHash == HashFile(dllPath)
            && running.ManifestsHash == manifestsHash && running.ServicesDirectory == servicesDirectory
            && running.IssuerHash == issuerHash
            && running.AutoApprove == AutoApprove
            && !string.IsNullOrEmpty(running.AdminToken)
            && await LocalHealthProbe.IsHealthyAsync(new Uri(url, HealthPath), TimeSpan.FromSeconds(3), cancellationToken))
        {
            log.Info($"gateway: unchanged at {url} (pid {running.ProcessId})");
            if (!dryRun)
                RemoveOtherBuilds(project.OutputDirectory);
            return url;
        }

        if (dryRun)
        {
            log.Info($"gateway: would {(binaryCurrent ? "" : "build and ")}{(running is null ? "start" : "replace")} the gateway at {url} (dry run)");
            return url;
        }

        if (!binaryCurrent)
            await BuildAsync(project, running, log, cancellationToken);

        var samePort = running is not null && running.Port == port;
        var holder = ListeningPortHolder.Find(port);
        if (holder is not null && !(samePort && (holder.ProcessId is null || holder.ProcessId == running!.ProcessId)))
            throw new PipelineException(
                $"Cannot start the local gateway: {holder.Describe()} is already in use. " +
                "Stop that process, or choose another gateway port (--gateway-port).");

        var handover = Stopwatch.StartNew();
        // A gateway from before SO_REUSEPORT holds the port exclusively: it has to go first (the last such gap).
        if (running is not null && samePort && !running.ReusePort)
        {
            log.Info($"gateway: stopping pid {running.ProcessId}, which cannot share its port");
            await ProcessSignal.TerminateAsync(running.ProcessId, StopGracePeriod, cancellationToken);
        }

        var upstreams = liveUpstreams is null ? new Dictionary<string, Uri>() : await liveUpstreams(cancellationToken);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        SecretMasker.Register(token);
        var pid = StartDetached(dllPath, servicesDirectory, url, upstreams, token);
        await WaitUntilHealthyAsync(pid, url, running, cancellationToken);
        new LocalGatewayRecord(pid, port, dllPath, HashFile(dllPath), manifestsHash, servicesDirectory, DateTimeOffset.UtcNow, token, ReusePort: true,
                IssuerHash: issuerHash, AutoApprove: AutoApprove)
            .Write(RecordPath);

        if (running is not null && ProcessSignal.IsAlive(running.ProcessId))
        {
            var overlap = handover.Elapsed;
            var stopping = Stopwatch.StartNew();
            await ProcessSignal.TerminateAsync(running.ProcessId, StopGracePeriod, cancellationToken);
            log.Info($"gateway: replaced pid {running.ProcessId} by pid {pid} at {url}; both listened for {Poll.Format(overlap)}, " +
                     $"then pid {running.ProcessId} finished its requests and stopped in {Poll.Format(stopping.Elapsed)}");
        }
        log.Info($"gateway: listening at {url} (pid {pid}, log {LogPath})");
        RemoveOtherBuilds(project.OutputDirectory);
        return url;
    }

    /// <summary>
    /// Every process that runs a gateway of this environment (any build of it under <see cref="BinaryDirectory"/>), whether
    /// gateway.json names it or not. Read from each process's command line, which names the DLL from the moment the
    /// gateway is started (setsid and the shell it runs carry the same arguments), so no interruption can hide one.
    /// </summary>
    public IReadOnlyList<int> RunningProcesses()
    {
        var builds = BinaryDirectory + Path.DirectorySeparatorChar;
        return ProcessTable.Read()
            .Where(p => p.Id != System.Environment.ProcessId
                        && p.Arguments.Any(argument => argument.StartsWith(builds, StringComparison.Ordinal)
                                                       && argument.EndsWith(Path.DirectorySeparatorChar + GatewayAssembly, StringComparison.Ordinal))
                        && ProcessSignal.IsAlive(p.Id))
            .Select(p => p.Id)
            .ToList();
    }

    /// <summary>
    /// Stops every gateway process of this environment but <paramref name="recorded"/>: a run killed after starting a new
    /// gateway and before recording it, or after recording it and before stopping the one it replaced, leaves one behind,
    /// listening on the same port (SO_REUSEPORT) with routes no one can switch any more.
    /// </summary>
    /// <returns>The PIDs stopped (in a dry run, that would be).</returns>
    public async Task<IReadOnlyList<int>> StopUnrecordedAsync(LocalGatewayRecord? recorded, bool dryRun, IStepLog log, CancellationToken cancellationToken)
    {
        var unrecorded = RunningProcesses().Where(pid => pid != recorded?.ProcessId).ToList();
        foreach (var pid in unrecorded)
        {
            if (dryRun)
            {
                log.Info($"gateway: would stop pid {pid}, a gateway of environment {Environment} that {RecordPath} does not name (dry run)");
                continue;
            }
            log.Info($"gateway: stopping pid {pid}, a gateway of environment {Environment} left by an interrupted run ({RecordPath} does not name it)");
            await ProcessSignal.TerminateAsync(pid, StopGracePeriod, cancellationToken);
        }
        return unrecorded;
    }

    /// <summary>
    /// Builds the gateway from the sources as they are now, unless that build exists. The build goes into a folder of its
    /// own, so a running gateway keeps its DLLs and keeps serving meanwhile; a failed build leaves it as it was.
    /// </summary>
    /// <returns>The DLL to start.</returns>
    public async Task<string> BuildAsync(IStepLog log, CancellationToken cancellationToken)
    {
        var project = CurrentProject();
        if (!project.IsCurrent(GatewayAssembly))
        {
            var record = LocalGatewayRecord.Read(RecordPath);
            await BuildAsync(project, record is not null && record.IsProcessAlive() ? record : null, log, cancellationToken);
        }
        return Path.Combine(project.OutputDirectory, GatewayAssembly);
    }

    static async Task BuildAsync(OwnProject project, LocalGatewayRecord? running, IStepLog log, CancellationToken cancellationToken)
    {
        log.Info(running is null
            ? "gateway: building from build/Pipeline.Gateway"
            : $"gateway: building from build/Pipeline.Gateway (pid {running.ProcessId} keeps serving meanwhile)");
        try
        {
            await project.BuildAsync(log, cancellationToken);
        }
        catch (PipelineException failed) when (running is not null)
        {
            throw new PipelineException($"{failed.Message}\nThe running gateway (pid {running.ProcessId} on {running.Url}) was left serving.");
        }
    }

    int StartDetached(string dllPath, string servicesDirectory, Uri url, IReadOnlyDictionary<string, Uri> upstreams, string token)
    {
        Directory.CreateDirectory(ArtifactsDirectory);
        AppendOwnerOnly(LogPath, $"--- gateway starting at {DateTimeOffset.UtcNow:O} on {url}\n");
        // setsid gives the gateway its own session, so the end of the pipeline (or a Ctrl-C in its terminal) does not end it;
        // exec keeps the PID that setsid had, which is the PID we record.
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false, WorkingDirectory = ArtifactsDirectory };
        foreach (var arg in new[]
                 {
                     "/bin/sh", "-c", "exec \"$0\" \"$@\" </dev/null >>\"$GATEWAY_LOG\" 2>&1",
                     OwnProject.DotnetHost(), dllPath, "--services-dir", servicesDirectory, "--urls", url.ToString().TrimEnd('/'), "--reuse-port",
                     // The path only: the key itself is in a file only this user can read.
                     "--issuer-file", IssuerFile,
                 }.Concat(upstreams.OrderBy(u => u.Key, StringComparer.Ordinal).SelectMany(u => new[] { "--upstream", $"{u.Key}={u.Value}" })))
            start.ArgumentList.Add(arg);
        // The gateway gets what a .NET process needs and its own settings, not the pipeline's environment: no AWS keys, no
        // secret values (APIGW_SECRET_*), no tokens of the CI job.
        start.Environment.Clear();
        foreach (var (name, value) in InheritedEnvironment(System.Environment.GetEnvironmentVariables()))
            start.Environment[name] = value;
        start.Environment["GATEWAY_LOG"] = LogPath;
        // By environment, not argument: a process's environment is readable only by its user, its command line by everyone.
        start.Environment["GATEWAY_ADMIN_TOKEN"] = token;
        // Always set, so a value in the pipeline's own environment cannot turn approval on behind the record's back.
        start.Environment["LOCAL_AUTH_AUTO_APPROVE"] = AutoApprove ? "true" : "false";
        using var process = Process.Start(start)
            ?? throw new PipelineException("Could not start the local gateway process (setsid). Check that util-linux is installed.");
        return process.Id;
    }

    /// <summary>The variables the detached gateway inherits: where the system and .NET are, locale and time zone, certificates.</summary>
    internal static IEnumerable<(string Name, string Value)> InheritedEnvironment(System.Collections.IDictionary environment)
    {
        string[] names = ["PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR"];
        foreach (System.Collections.DictionaryEntry entry in environment)
            if (entry.Key is string name && entry.Value is string value
                && (names.Contains(name) || name.StartsWith("DOTNET_", StringComparison.Ordinal)))
                yield return (name, value);
    }

    /// <summary>Appends to the gateway's log, which only this user may read: it holds request lines and the gateway's errors.</summary>
    static void AppendOwnerOnly(string path, string text)
    {
        if (OperatingSystem.IsWindows())
        {
            File.AppendAllText(path, text);
            return;
        }
        var ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, UnixCreateMode = ownerOnly }))
        using (var writer = new StreamWriter(stream))
            writer.Write(text);
        // A log an older pipeline created readable by everyone becomes owner-only too.
        File.SetUnixFileMode(path, ownerOnly);
    }

    async Task WaitUntilHealthyAsync(int pid, Uri url, LocalGatewayRecord? previous, CancellationToken cancellationToken)
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
                async (_, cancellationToken) => await AnswersAsync(healthUrl, pid, cancellationToken)
                    ? GatewayStart.Answered
                    : ProcessSignal.IsAlive(pid) ? GatewayStart.Starting : GatewayStart.Exited,
                start => start != GatewayStart.Starting,
                _ => $"not answering {healthUrl} as pid {pid}",
                cancellationToken);
            if (answered == GatewayStart.Answered)
                return;
            failure = "The local gateway exited at start.";
        }
        catch (PollTimeoutException timeout)
        {
            failure = timeout.Message;
        }
        catch (OperationCanceledException)
        {
            await ProcessSignal.TerminateAsync(pid, TimeSpan.FromSeconds(5), CancellationToken.None);
            throw;
        }
        await ProcessSignal.TerminateAsync(pid, TimeSpan.FromSeconds(5), CancellationToken.None);
        var kept = previous is not null && ProcessSignal.IsAlive(previous.ProcessId);
        if (!kept)
            File.Delete(RecordPath);
        var lastLines = File.Exists(LogPath) ? File.ReadLines(LogPath).TakeLast(20) : [];
        throw new PipelineException(
            $"{failure} Last lines of {LogPath}:\n  | " + string.Join("\n  | ", lastLines) +
            (kept ? $"\nThe running gateway (pid {previous!.ProcessId}) was left serving." : "") +
            "\nFix the cause above and deploy again.");
    }

    /// <summary>The gateway with this PID answers its health check (while two share the port, either may answer; the next probe may reach the other).</summary>
    static async Task<bool> AnswersAsync(Uri healthUrl, int pid, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, healthUrl);
            request.Headers.ConnectionClose = true;
            using var response = await Probe.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
                return false;
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement;
            return body.TryGetProperty("pid", out var answered) && answered.TryGetInt32(out var answeredPid) && answeredPid == pid;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>Builds no gateway runs from any more (and the single-folder layout of earlier pipelines).</summary>
    void RemoveOtherBuilds(string keep)
    {
        if (!Directory.Exists(BinaryDirectory))
            return;
        try
        {
            foreach (var folder in Directory.EnumerateDirectories(BinaryDirectory).Where(d => Path.GetFullPath(d) != keep))
                Directory.Delete(folder, recursive: true);
            foreach (var file in Directory.EnumerateFiles(BinaryDirectory))
                File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next replacement; it costs disk space, nothing else.
        }
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
