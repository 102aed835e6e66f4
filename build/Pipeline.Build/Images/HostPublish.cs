using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Images;

/// <summary>How a run makes the images of .NET services (<c>--image-build</c>).</summary>
public enum ImageBuildMode
{
    /// <summary>Published on the host when a .NET SDK of the Dockerfile's SDK major version answers there; from the Dockerfile otherwise.</summary>
    Auto,

    /// <summary>Every service whose Dockerfile allows it is published on the host; no fitting SDK fails the run.</summary>
    Host,

    /// <summary>Every image from its Dockerfile alone, as on a machine without a .NET SDK.</summary>
    Dockerfile,
}

/// <summary>
/// The host image path of a .NET service: <c>dotnet publish</c> on the host, where the compiler keeps its incremental
/// state (<c>obj/</c>) between runs, then the Dockerfile's <c>runtime-base</c> stage plus the published folder as one
/// thin layer. That is the image the Dockerfile's last stage makes, without running its SDK stage. A Dockerfile allows
/// it with this shape, which <see cref="ShapeProblem"/> checks:
/// <code>
/// FROM …/dotnet/aspnet:N… AS runtime-base   # the first stage: user, env, entrypoint, everything but the server
/// FROM …/dotnet/sdk:N… AS build             # publishes the folder's project to /out
/// FROM runtime-base AS runtime              # COPY --from=build /out ./   and nothing else
/// </code>
/// </summary>
public sealed partial record HostPublish(string ProjectPath, HostDotnetSdk Sdk)
{
    public const string RuntimeBaseStage = "runtime-base";
    public const string BuildStage = "build";
    const string OutputCopy = "COPY --from=build /out ./";

    /// <summary>The folder of the thin image's build context that holds the published server.</summary>
    public const string PublishedFolder = "app";

    /// <summary>What the Dockerfile's build stage passes too; part of the tag, so changing them gives new tags.</summary>
    static readonly string[] PublishSettings = ["-c", "Release", "-p:UseAppHost=false"];

    /// <summary>
    /// What the content tag hashes besides the Dockerfile path's inputs. The host's SDK compiles the server, not the SDK
    /// image, so the bytes can differ from a Dockerfile build: the tag must differ too, and a new host SDK gives a new one.
    /// The folder the sources sit in is not part of it (<see cref="PublishArguments"/> maps it away).
    /// </summary>
    public string TagInput => $"host-publish\0sdk {Sdk.Version}\0{OperatingSystemName}\0{string.Join(' ', PublishSettings)}";

    /// <summary>
    /// The publish command's arguments. The source folder is mapped to <c>/src</c>, where the Dockerfile's build stage
    /// compiles, so paths in the symbols and stack traces are the same on both paths and never name a host folder.
    /// </summary>
    public IReadOnlyList<string> PublishArguments(string outputDirectory) =>
    [
        "publish", ProjectPath, .. PublishSettings, "-o", outputDirectory, "-nologo", "-v:quiet",
        $"-p:PathMap={Path.GetDirectoryName(Path.GetFullPath(ProjectPath))}{Path.DirectorySeparatorChar}=/src/",
    ];

    /// <summary>
    /// The thin image's Dockerfile: the runtime-base stage, by image ID, plus the published folder, with
    /// <paramref name="labels"/>. One LABEL instruction, because the engine's build parameter adds one step per label and the
    /// legacy builder commits a container for each.
    /// </summary>
    public static string ThinDockerfile(string runtimeBaseImageId, IReadOnlyDictionary<string, string> labels) =>
        "# The service's runtime-base stage plus its server published on the host: what its Dockerfile's last stage makes.\n" +
        $"FROM {runtimeBaseImageId}\n" +
        $"COPY {PublishedFolder}/ ./\n" +
        (labels.Count == 0 ? "" : "LABEL " + string.Join(" ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{Quote(l.Key)}={Quote(l.Value)}")) + "\n");

    static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>
    /// Whether <paramref name="service"/>'s image is published on the host (null: from its Dockerfile). Services whose
    /// Dockerfile has no <c>runtime-base</c> stage always use their Dockerfile; for the others a missing or mismatched
    /// SDK is logged under <see cref="ImageBuildMode.Auto"/> and fails under <see cref="ImageBuildMode.Host"/>.
    /// </summary>
    public static async Task<HostPublish?> ForAsync(
        ServiceManifest service, ImageBuildMode mode, string? baseImageRegistry, IStepLog log, CancellationToken cancellationToken)
    {
        if (mode == ImageBuildMode.Dockerfile)
            return null;
        var dockerfile = File.ReadAllText(ImageTagger.RequireDockerfile(service));
        if (!DockerfileStages.Parse(dockerfile).Any(IsRuntimeBase))
            return null;
        return Choose(service, mode, dockerfile, await HostDotnetSdk.FindAsync(service.Directory, cancellationToken), baseImageRegistry, log);
    }

    /// <summary><see cref="ForAsync"/> once the host's SDK is known (null: none answers).</summary>
    public static HostPublish? Choose(
        ServiceManifest service, ImageBuildMode mode, string dockerfileText, HostDotnetSdk? sdk, string? baseImageRegistry, IStepLog log)
    {
        if (mode == ImageBuildMode.Dockerfile || !DockerfileStages.Parse(dockerfileText).Any(IsRuntimeBase))
            return null;
        var (project, sdkMajor, shapeProblem) = Inspect(service, dockerfileText, baseImageRegistry);
        var problem = shapeProblem is not null
            ? $"its Dockerfile does not fit the host image path: {shapeProblem}"
            : sdk is null
                ? $"no .NET SDK answers `dotnet --version` here (the Dockerfile builds with SDK {sdkMajor})"
                : sdk.Major != sdkMajor
                    ? $"the host's .NET SDK is {sdk.Version}, and the Dockerfile builds with SDK {sdkMajor}"
                    : null;
        if (problem is null)
        {
            log.Info($"image path: host, a publish with .NET SDK {sdk!.Version} plus the Dockerfile's runtime-base stage (--image-build dockerfile builds it in the Dockerfile)");
            return new HostPublish(project!, sdk);
        }
        if (mode == ImageBuildMode.Host)
            throw new PipelineException(
                $"{service.Name}: --image-build host publishes on the host, but {problem}. " +
                (shapeProblem is not null
                    ? $"Fix {service.DockerfilePath}, or build with --image-build dockerfile."
                    : $"Install the .NET {sdkMajor} SDK, or build with --image-build auto (or dockerfile), which builds it in the Dockerfile."));
        var message = $"built from its Dockerfile: {problem}" +
                      (shapeProblem is not null ? $"; fix {service.DockerfilePath} to publish it on the host" : $"; a .NET {sdkMajor} SDK here would publish it on the host, which is faster");
        if (shapeProblem is not null)
            log.Warn(message);
        else
            log.Info(message);
        return null;
    }

    /// <summary>
    /// The project, the SDK major version of the build stage and what keeps the Dockerfile from the host image path (null
    /// when nothing does).
    /// </summary>
    static (string? Project, int? SdkMajor, string? ShapeProblem) Inspect(ServiceManifest service, string dockerfileText, string? baseImageRegistry)
    {
        var stages = DockerfileStages.Parse(dockerfileText, ImageTagger.ContentBuildArgs(baseImageRegistry));
        var build = stages.FirstOrDefault(s => s.Name.Equals(BuildStage, StringComparison.OrdinalIgnoreCase));
        var sdkMajor = build is null ? null : SdkMajorOf(build.From);
        var projects = Directory.GetFiles(service.Directory, "*.csproj");
        var last = stages[^1];
        var problem =
            !IsRuntimeBase(stages[0])
                ? $"{RuntimeBaseStage} must be the first stage, so that building it never runs another stage"
                : build is null || sdkMajor is null
                    ? $"it needs a stage `{BuildStage}` FROM a dotnet/sdk:<version> image"
                    : !last.From.Equals(RuntimeBaseStage, StringComparison.OrdinalIgnoreCase) || !last.Instructions.SequenceEqual([OutputCopy])
                        ? $"its last stage must be `FROM {RuntimeBaseStage}` with `{OutputCopy}` and nothing else (anything more belongs in {RuntimeBaseStage})"
                        : projects.Length != 1
                            ? $"the service folder must hold exactly one project file (*.csproj), and it holds {projects.Length}"
                            : null;
        return (projects.Length == 1 ? projects[0] : null, sdkMajor, problem);
    }

    static bool IsRuntimeBase(DockerfileStage stage) => stage.Name.Equals(RuntimeBaseStage, StringComparison.OrdinalIgnoreCase);

    static int? SdkMajorOf(string image) =>
        SdkImage().Match(image) is { Success: true } match ? int.Parse(match.Groups["major"].Value) : null;

    static string OperatingSystemName =>
        OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "macos" : OperatingSystem.IsLinux() ? "linux" : RuntimeInformation.OSDescription;

    [GeneratedRegex(@"(^|/)dotnet/sdk:(?<major>\d+)\.")]
    private static partial Regex SdkImage();

    /// <summary>Publishes the server into <paramref name="outputDirectory"/>, with <paramref name="servers"/>' compiler and MSBuild servers when given.</summary>
    public async Task PublishAsync(
        ServiceManifest service, string outputDirectory, DotnetBuildServers? servers, IStepLog log, CancellationToken cancellationToken)
    {
        var settings = servers?.SettingsFor(Sdk, service.Directory) ?? DotnetBuildServers.WithoutServers;
        var tail = new Queue<string>();
        var result = await ChildProcess.RunAsync(Sdk.DotnetPath, [.. PublishArguments(outputDirectory), .. settings.Arguments], service.Directory,
            settings.Environment,
            (line, _) =>
            {
                lock (tail)
                {
                    tail.Enqueue(line);
                    if (tail.Count > BuildOutput.TailLength) tail.Dequeue();
                }
                log.Detail(line);
            },
            cancellationToken, settings.RemovedVariables);
        if (result.ExitCode != 0)
            throw new PipelineException(
                $"{service.Name}: dotnet publish on the host failed (exit code {result.ExitCode}). Last lines of its output:\n    " +
                string.Join("\n    ", tail) +
                $"\nFix the service's sources, then rerun; --image-build dockerfile builds it in the Dockerfile instead, with the SDK image's own SDK.");
    }
}

/// <summary>The .NET SDK that <c>dotnet</c> selects in a folder (its global.json applies), and the <c>dotnet</c> that runs it.</summary>
public sealed record HostDotnetSdk(string Version, string DotnetPath)
{
    static readonly Dictionary<string, Task<HostDotnetSdk?>> Found = new(StringComparer.Ordinal);

    public int Major => int.Parse(Version.Split('.')[0]);

    /// <summary>
    /// The SDK's folder (<c>…/dotnet/sdk/10.0.401</c>), links resolved: its build servers run from there, and two
    /// installations of one version are told apart by it.
    /// </summary>
    public string SdkDirectory
    {
        get
        {
            var dotnet = new FileInfo(DotnetPath);
            var real = dotnet.LinkTarget is null ? dotnet.FullName : dotnet.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dotnet.FullName;
            return Path.Combine(Path.GetDirectoryName(real)!, "sdk", Version);
        }
    }

    /// <summary>The SDK for <paramref name="directory"/> (asked once per folder and process), or null when none answers.</summary>
    public static Task<HostDotnetSdk?> FindAsync(string directory, CancellationToken cancellationToken)
    {
        lock (Found)
        {
            if (!Found.TryGetValue(directory, out var found) || found.IsFaulted || found.IsCanceled)
                Found[directory] = found = AskAsync(directory, cancellationToken);
            return found;
        }
    }

    static async Task<HostDotnetSdk?> AskAsync(string directory, CancellationToken cancellationToken)
    {
        if (DotnetExecutable() is not { } dotnet)
            return null;
        try
        {
            var result = await ChildProcess.RunAsync(dotnet, ["--version"], directory, null, (_, _) => { }, cancellationToken);
            var version = result.StandardOutput.LastOrDefault(l => l.Trim().Length > 0)?.Trim();
            return result.ExitCode == 0 && version is not null && char.IsDigit(version[0]) ? new HostDotnetSdk(version, dotnet) : null;
        }
        catch (PipelineException)
        {
            return null;
        }
    }

    /// <summary>The <c>dotnet</c> running this process (build.sh may have chosen one under .dotnet/), else the one on PATH.</summary>
    static string? DotnetExecutable() =>
        Environment.ProcessPath is { } own && Path.GetFileNameWithoutExtension(own).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? own
            : ChildProcess.FindOnPath("dotnet");
}

/// <summary>One build stage of a Dockerfile: its name (empty when unnamed), its FROM (build arguments substituted), its instructions.</summary>
public sealed record DockerfileStage(string Name, string From, IReadOnlyList<string> Instructions);

/// <summary>A Dockerfile's build stages, in file order.</summary>
public static class DockerfileStages
{
    public static IReadOnlyList<DockerfileStage> Parse(string dockerfileText, IReadOnlyDictionary<string, string>? buildArgs = null)
    {
        var stages = new List<DockerfileStage>();
        var globalArgs = new Dictionary<string, string>(StringComparer.Ordinal);
        List<string>? instructions = null;
        foreach (var instruction in DockerfileBaseImages.Instructions(dockerfileText))
        {
            var parts = instruction.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts[0].Equals("FROM", StringComparison.OrdinalIgnoreCase))
            {
                var operands = parts.Skip(1).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
                var from = operands.Count > 0 ? DockerfileBaseImages.Substitute(operands[0], globalArgs) : "";
                var name = operands.Count >= 3 && operands[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? operands[2] : "";
                instructions = [];
                stages.Add(new DockerfileStage(name, from, instructions));
            }
            else if (instructions is not null)
                instructions.Add(string.Join(' ', parts));
            else if (parts[0].Equals("ARG", StringComparison.OrdinalIgnoreCase))
                foreach (var (name, value) in DockerfileBaseImages.Declarations(parts.Skip(1)))
                    globalArgs[name] = buildArgs is not null && buildArgs.TryGetValue(name, out var given) ? given : value;
        }
        return stages;
    }
}
