using Pipeline.Build.Engine;

namespace Pipeline.Build.Images;

/// <summary>
/// The compiler server (VBCSCompiler) and MSBuild server a host publish may use. Warm, they compile a one-line change of
/// mcp in about a second, against about five without them; but a server started cold costs more than it saves for the one
/// publish a run makes (measured: about 6 s, plus most of a second to shut it down, against 5 s without). So a publish
/// uses the kinds that already run for its SDK (an IDE's, the developer's own builds'), leaves them running, and starts
/// none: it turns the others off. Should one start anyway (a server that ended between the look and the publish is
/// started again by it), <see cref="ShutDownStartedAsync"/> stops it when the run ends, so nothing of the run outlives it.
/// Telling them apart needs the processes' command lines, which Linux gives (/proc); elsewhere publishes run without servers.
/// </summary>
public sealed class DotnetBuildServers
{
    public enum Kind
    {
        Compiler,
        MSBuild,
        Razor,
    }

    /// <summary>How a publish runs without servers: both off, whatever the caller's environment says.</summary>
    public static PublishSettings WithoutServers { get; } = SettingsWith(new HashSet<Kind>());

    readonly Func<IEnumerable<string>>? commandLines;
    readonly Lock gate = new();
    HostDotnetSdk? sdk;
    string? workingDirectory;
    IReadOnlySet<Kind>? runningBefore;

    public DotnetBuildServers() : this(ProcessTable.IsReadable ? ProcessCommandLines : null)
    {
    }

    /// <param name="commandLines">Every running process's command line; null where they cannot be read (then no servers).</param>
    internal DotnetBuildServers(Func<IEnumerable<string>>? commandLines) => this.commandLines = commandLines;

    /// <summary>
    /// How a publish with <paramref name="publishingSdk"/> runs: with the kinds of server that ran before the run's first
    /// publish, which the first call notes, and without the others.
    /// </summary>
    public PublishSettings SettingsFor(HostDotnetSdk publishingSdk, string directory)
    {
        if (commandLines is null)
            return WithoutServers;
        lock (gate)
        {
            if (runningBefore is null)
            {
                sdk = publishingSdk;
                workingDirectory = directory;
                runningBefore = KindsRunning(commandLines(), publishingSdk.SdkDirectory);
            }
            // One SDK per run keeps the note of what ran before true; another SDK's publish runs without servers.
            return publishingSdk == sdk ? SettingsWith(runningBefore) : WithoutServers;
        }
    }

    // A machine may turn the servers off for every build (as CI machines do); a publish turns on the ones that run.
    static PublishSettings SettingsWith(IReadOnlySet<Kind> running)
    {
        var compiler = running.Contains(Kind.Compiler);
        var msbuild = running.Contains(Kind.MSBuild);
        return new PublishSettings(
            [$"-p:UseSharedCompilation={(compiler ? "true" : "false")}", .. msbuild ? Array.Empty<string>() : ["-nodeReuse:false"]],
            new Dictionary<string, string> { ["DOTNET_CLI_USE_MSBUILD_SERVER"] = msbuild ? "1" : "0" },
            msbuild ? ["UseSharedCompilation", "MSBUILDDISABLENODEREUSE"] : ["UseSharedCompilation"]);
    }

    /// <summary>The kinds of server this run started: running now and not before its first publish.</summary>
    public IReadOnlySet<Kind> Started()
    {
        lock (gate)
            return runningBefore is null || sdk is null || commandLines is null
                ? new HashSet<Kind>()
                : KindsRunning(commandLines(), sdk.SdkDirectory).Except(runningBefore).ToHashSet();
    }

    /// <summary>Shuts down the kinds of server this run started (<c>dotnet build-server shutdown</c>), leaving the others.</summary>
    public async Task ShutDownStartedAsync(IStepLog log, CancellationToken cancellationToken)
    {
        var started = Started();
        if (started.Count == 0 || sdk is null)
            return;
        var options = started.Order().Select(kind => kind switch
        {
            Kind.Compiler => "--vbcscompiler",
            Kind.MSBuild => "--msbuild",
            _ => "--razor",
        });
        var result = await ChildProcess.RunAsync(sdk.DotnetPath, ["build-server", "shutdown", .. options], workingDirectory ?? Directory.GetCurrentDirectory(),
            null, (_, _) => { }, cancellationToken);
        if (result.ExitCode == 0)
            log.Detail($"shut down the build servers this run started ({string.Join(", ", started.Order())})");
        else
            log.Warn($"shutting down the build servers this run started ({string.Join(", ", started.Order())}) failed: " +
                     $"{string.Join(" ", result.StandardError.Concat(result.StandardOutput)).Trim()}. `dotnet build-server shutdown` stops them.");
    }

    /// <summary>Which kinds of build server of the SDK in <paramref name="sdkDirectory"/> the given process command lines show.</summary>
    public static IReadOnlySet<Kind> KindsRunning(IEnumerable<string> commandLines, string sdkDirectory)
    {
        var kinds = new HashSet<Kind>();
        var sdkFolder = sdkDirectory.Replace('\\', '/').TrimEnd('/') + "/";
        foreach (var line in commandLines)
        {
            if (!line.Replace('\\', '/').Contains(sdkFolder, StringComparison.OrdinalIgnoreCase))
                continue;
            if (line.Contains("VBCSCompiler", StringComparison.OrdinalIgnoreCase) && line.Contains("-pipename:", StringComparison.OrdinalIgnoreCase))
                kinds.Add(Kind.Compiler);
            // The MSBuild server (node mode 8) and the worker nodes it keeps for reuse.
            else if (line.Contains("MSBuild", StringComparison.OrdinalIgnoreCase) &&
                     (line.Contains("/nodemode:8", StringComparison.OrdinalIgnoreCase) ||
                      line.Contains("/nodemode:1", StringComparison.OrdinalIgnoreCase) && line.Contains("/nodeReuse:true", StringComparison.OrdinalIgnoreCase)))
                kinds.Add(Kind.MSBuild);
            else if (line.Contains("rzc", StringComparison.OrdinalIgnoreCase) && line.Contains(" server", StringComparison.OrdinalIgnoreCase))
                kinds.Add(Kind.Razor);
        }
        return kinds;
    }

    static IEnumerable<string> ProcessCommandLines() => ProcessTable.Read().Select(p => p.CommandLine);
}

/// <summary>What a publish adds to its command line and environment, and which variables it removes from the environment.</summary>
public sealed record PublishSettings(
    IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment, IReadOnlyList<string> RemovedVariables);
