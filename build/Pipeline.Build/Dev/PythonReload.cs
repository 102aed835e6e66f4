using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;
using Pipeline.Build.Deployment;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Manifests;

namespace Pipeline.Build.Dev;

/// <summary>
/// A Python service (a folder with <c>requirements.txt</c>, its code in <c>app/</c>): a snapshot is a copy of the files its
/// image build sees, and the container serves the snapshot's <c>app/</c> mounted read-only over the image's own. Its unit
/// tests run in a long-lived container of the Dockerfile's <c>test</c> stage (the runtime's package versions plus the test
/// tools), with no network, a read-only root and every snapshot mounted read-only. That container keeps one interpreter with
/// pytest and the service's libraries imported (<c>pytest_warm.py</c>, ours: about 80 lines); each run is a <c>docker exec</c>
/// of a bare client that has it fork a child to run pytest in the snapshot's folder, so the imports (about a second here)
/// are not paid again after every save.
/// </summary>
public sealed class PythonReload(ServiceManifest service, DevContext context) : IServiceReload
{
    /// <summary>Saves that change the image itself: a new image, rolled out as a Redeploy does.</summary>
    static readonly string[] ImageInputs = ["Dockerfile", ".dockerignore", "service.json", "healthcheck"];

    const string SnapshotsInTestContainer = "/dev-snapshots";
    const string ToolsInTestContainer = "/dev-tools";
    const string RunnerScript = "pytest_warm.py";
    const string RunnerSocket = "/tmp/pytest-warm.sock";
    const string TestStage = "test";

    string? testContainerId;

    public ServiceManifest Service => service;

    string TestContainerName => $"{context.Naming.ContainerName(service.Name)}-dev-tests";

    public ReloadKind Classify(IReadOnlyCollection<string> paths) =>
        paths.Any(p => p == "." || ImageInputs.Contains(p) || p.StartsWith("requirements", StringComparison.Ordinal)) ? ReloadKind.Rebuild
        : paths.Any(p => p.StartsWith("app/", StringComparison.Ordinal) || p.StartsWith("tests/", StringComparison.Ordinal)
                         || p is "app" or "tests" || p.EndsWith(".py", StringComparison.Ordinal) || p.EndsWith(".ini", StringComparison.Ordinal)) ? ReloadKind.Reload
        : ReloadKind.Ignore;

    public async Task StartAsync(ServiceImage image, IStepLog log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var testImage = $"{image.Repository}:{image.Tag}-{TestStage}";
        await BuildTestImageAsync(image, testImage, cancellationToken);
        await RemoveTestContainerAsync();
        var tools = Path.Combine(context.DevDirectory, "tools");
        Directory.CreateDirectory(tools);
        await using (var script = typeof(PythonReload).Assembly.GetManifestResourceStream(RunnerScript)!)
        await using (var file = File.Create(Path.Combine(tools, RunnerScript)))
            await script.CopyToAsync(file, cancellationToken);
        var created = await context.Docker.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = TestContainerName,
            Image = testImage,
            User = ServiceContainer.User,
            Cmd = ["python", $"{ToolsInTestContainer}/{RunnerScript}", "serve", RunnerSocket],
            Labels = context.DevLabels(service.Name, "tests"),
            HostConfig = new HostConfig
            {
                NetworkMode = "none",
                ReadonlyRootfs = true,
                Tmpfs = new Dictionary<string, string> { [ServiceContainer.ScratchPath] = "rw,nosuid,nodev,size=64m" },
                Mounts = [ReadOnlyBind(context.SnapshotsOf(service.Name), SnapshotsInTestContainer), ReadOnlyBind(tools, ToolsInTestContainer)],
                Init = true,
            },
        }, cancellationToken);
        await context.Docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancellationToken);
        testContainerId = created.ID;
        log.Info($"{service.Name}: unit tests run in {TestContainerName} ({testImage}: the image's packages plus its test tools), ready in {Poll.Format(clock.Elapsed)}");
    }

    public Task PrepareAsync(string snapshot, CancellationToken cancellationToken)
    {
        // Exactly the files the image build sees (.dockerignore applies), so the tests see what an image would hold.
        foreach (var entry in BuildContext.Load(service.Directory).Entries.Where(e => e.Kind == BuildContextEntryKind.File))
        {
            var target = Path.Combine(snapshot, entry.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(entry.FullPath(service.Directory), target);
        }
        return Task.CompletedTask;
    }

    public IReadOnlyList<Mount> Mounts(string snapshot) => [ReadOnlyBind(Path.Combine(snapshot, "app"), "/app/app")];

    public async Task<UnitTestRun> TestAsync(string snapshot, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var exec = await context.Docker.Exec.CreateContainerExecAsync(testContainerId ?? TestContainerName, new ContainerExecCreateParameters
        {
            Cmd = ["python", $"{ToolsInTestContainer}/{RunnerScript}", "run", RunnerSocket, $"{SnapshotsInTestContainer}/{Path.GetFileName(snapshot)}",
                "-q", "--tb=short", "--no-header", "-m", "not integration"],
            AttachStdout = true,
            AttachStderr = true,
        }, cancellationToken);
        using var stream = await context.Docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), cancellationToken);
        var (output, error) = await stream.ReadOutputToEndAsync(cancellationToken);
        var exitCode = (await context.Docker.Exec.InspectContainerExecAsync(exec.ID, cancellationToken)).ExitCode;
        var lines = (output + error).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToList();
        var summary = lines.LastOrDefault(l => l.Contains(" in ", StringComparison.Ordinal) && (l.Contains("passed") || l.Contains("failed") || l.Contains("error")))
                      ?? lines.LastOrDefault() ?? $"pytest exited with {exitCode}";
        // 5: nothing collected, which is no failure of the change.
        var passed = exitCode is 0 or 5;
        return new UnitTestRun(passed, $"pytest: {summary.Trim('=', ' ')}", clock.Elapsed, passed ? [] : lines.TakeLast(40).ToList());
    }

    async Task BuildTestImageAsync(ServiceImage image, string testImage, CancellationToken cancellationToken)
    {
        await using var tar = ScratchFiles.CreateDeletedOnClose("dev-test-context");
        await BuildContext.Load(service.Directory).WriteTarAsync(tar, cancellationToken);
        tar.Position = 0;
        // The base images are present: the Deploy this session began with has just built from them.
        var output = new BuildOutput(new QuietStepLog());
        try
        {
            await context.Docker.Images.BuildImageFromDockerfileAsync(new ImageBuildParameters
            {
                Dockerfile = "Dockerfile",
                Target = TestStage,
                Tags = [testImage],
                BuildArgs = new Dictionary<string, string>(ImageTagger.ContentBuildArgs(context.BaseImageRegistry)) { [ImageTagger.VersionArgument] = image.Tag },
                Labels = new Dictionary<string, string> { [ImageBuilder.ServiceLabel] = service.Name },
                NetworkMode = "host",
                Platform = ImageTagger.Platform,
                Remove = true,
                ForceRemove = true,
            }, tar, [], new Dictionary<string, string>(), new SynchronousProgress<JSONMessage>(output.Handle), cancellationToken);
        }
        catch (DockerApiException e)
        {
            output.Handle(new JSONMessage { Error = new JSONError { Message = e.Message } });
        }
        output.Flush();
        if (output.Error is not null)
            throw new PipelineException(
                $"{service.Name}: building the test stage of {service.DockerfilePath} failed: {output.Error.Trim()}\n    " +
                string.Join("\n    ", output.Tail) + $"\nFix it, then start ./build.sh Dev again.");
    }

    async Task RemoveTestContainerAsync()
    {
        try
        {
            await context.Docker.Containers.RemoveContainerAsync(TestContainerName, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
        catch (DockerContainerNotFoundException)
        {
            // None yet.
        }
        testContainerId = null;
    }

    static Mount ReadOnlyBind(string source, string target) => new() { Type = "bind", Source = source, Target = target, ReadOnly = true };

    public async ValueTask DisposeAsync() => await RemoveTestContainerAsync();
}
