using System.Diagnostics;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Tests.Engine;

public sealed class ScratchFilesTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("scratch-files-").FullName;

    [Fact]
    public void The_folder_of_a_process_that_no_longer_runs_goes_with_what_it_holds_and_a_running_one_stays()
    {
        var killed = Folder(ExitedProcessId(), "build-context-1");
        var running = Folder(Environment.ProcessId, "build-context-2");
        var notAProcess = Folder("readme", null);

        var removed = ScratchFiles.RemoveAbandoned(root);

        removed.Should().Be(1);
        Directory.Exists(killed).Should().BeFalse("its process is gone, so nothing will delete its files any more");
        Directory.Exists(running).Should().BeTrue("a running process still uses its files");
        Directory.Exists(notAProcess).Should().BeTrue("only folders named after a process are the pipeline's");
    }

    [Fact]
    public void A_scratch_file_lives_in_this_process_folder_and_goes_when_closed()
    {
        string path;
        using (var file = ScratchFiles.CreateDeletedOnClose("build-context"))
        {
            path = file.Name;
            File.Exists(path).Should().BeTrue();
            Path.GetFileName(Path.GetDirectoryName(path)).Should().Be(Environment.ProcessId.ToString());
            Path.GetDirectoryName(Path.GetDirectoryName(path)).Should().Be(ScratchFiles.Root);
        }

        File.Exists(path).Should().BeFalse();
    }

    string Folder(object name, string? file)
    {
        var folder = Directory.CreateDirectory(Path.Combine(root, name.ToString()!)).FullName;
        if (file is not null)
            File.WriteAllText(Path.Combine(folder, file), "context");
        return folder;
    }

    /// <summary>The PID of a process that has run and ended (and been reaped): what a killed run's PID is to the next run.</summary>
    internal static int ExitedProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
