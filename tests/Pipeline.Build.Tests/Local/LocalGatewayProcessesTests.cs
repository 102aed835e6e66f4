using System.Diagnostics;
using Pipeline.Build.Local;
using Pipeline.Build.Tests.Images;

namespace Pipeline.Build.Tests.Local;

/// <summary>Gateway processes an interrupted run started and never recorded, found by the build they run and stopped.</summary>
public sealed class LocalGatewayProcessesTests : IDisposable
{
    readonly string repository = Directory.CreateTempSubdirectory("gateway-processes-").FullName;
    readonly List<Process> started = [];

    LocalGateway GatewayOf(string environment) => new(repository, Path.Combine(repository, "artifacts", environment), environment);

    [Fact]
    public async Task A_gateway_process_no_record_names_is_found_and_stopped_and_one_of_another_environment_is_left_alone()
    {
        var gateway = GatewayOf("crash");
        var unrecorded = StartLookalike(Path.Combine(gateway.BinaryDirectory, "0123456789abcdef", "Pipeline.Gateway.dll"));
        var otherEnvironment = StartLookalike(Path.Combine(GatewayOf("other").BinaryDirectory, "0123456789abcdef", "Pipeline.Gateway.dll"));
        var log = new RecordingStepLog();

        gateway.RunningProcesses().Should().Equal([unrecorded.Id], "only a process running this environment's gateway build counts");
        var stopped = await gateway.StopUnrecordedAsync(recorded: null, dryRun: false, log, CancellationToken.None);

        stopped.Should().Equal(unrecorded.Id);
        unrecorded.WaitForExit(TimeSpan.FromSeconds(10)).Should().BeTrue("it was stopped");
        otherEnvironment.HasExited.Should().BeFalse("another environment's gateway is not this one's to stop");
        gateway.RunningProcesses().Should().BeEmpty();
        log.Lines.Should().ContainSingle(l => l.Contains($"stopping pid {unrecorded.Id}") && l.Contains("left by an interrupted run"));
    }

    [Fact]
    public async Task The_recorded_gateway_is_kept_and_a_dry_run_stops_nothing()
    {
        var gateway = GatewayOf("crash");
        var dll = Path.Combine(gateway.BinaryDirectory, "0123456789abcdef", "Pipeline.Gateway.dll");
        var recordedProcess = StartLookalike(dll);
        var unrecorded = StartLookalike(dll);
        var record = new LocalGatewayRecord(recordedProcess.Id, 8080, dll, "hash", "hash", repository, DateTimeOffset.UtcNow);

        gateway.RunningProcesses().Should().BeEquivalentTo([recordedProcess.Id, unrecorded.Id]);
        var wouldStop = await gateway.StopUnrecordedAsync(record, dryRun: true, new RecordingStepLog(), CancellationToken.None);
        var stopped = await gateway.StopUnrecordedAsync(record, dryRun: false, new RecordingStepLog(), CancellationToken.None);

        wouldStop.Should().Equal(unrecorded.Id);
        stopped.Should().Equal(unrecorded.Id);
        unrecorded.WaitForExit(TimeSpan.FromSeconds(10)).Should().BeTrue();
        recordedProcess.HasExited.Should().BeFalse("gateway.json names it: it is the environment's gateway");
    }

    /// <summary>A process whose command line names <paramref name="dll"/> as the gateway's does (its start goes through setsid and sh with the same arguments).</summary>
    Process StartLookalike(string dll)
    {
        // perl, not python3: a version manager's shim in front of python3 would add a second process with the same arguments.
        var start = new ProcessStartInfo("perl") { UseShellExecute = false };
        foreach (var argument in new[] { "-e", "sleep 120", dll, "--urls", "http://127.0.0.1:8080" })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start)!;
        started.Add(process);
        // Between fork and exec the child still shows the test host's command line.
        var deadline = Stopwatch.StartNew();
        while (!ListeningPortHolder.ReadCommandLine(process.Id).Contains(dll) && deadline.Elapsed < TimeSpan.FromSeconds(10))
            Thread.Sleep(10);
        return process;
    }

    public void Dispose()
    {
        foreach (var process in started)
        {
            if (!process.HasExited)
                process.Kill();
            process.Dispose();
        }
        Directory.Delete(repository, recursive: true);
    }
}
