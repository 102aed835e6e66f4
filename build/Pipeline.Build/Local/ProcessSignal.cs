using System.Runtime.InteropServices;

namespace Pipeline.Build.Local;

/// <summary>Ends a detached process by PID: SIGTERM first so it can shut down cleanly, SIGKILL if it does not.</summary>
public static class ProcessSignal
{
    const int SigTerm = 15;
    const int SigKill = 9;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);

    public static async Task<bool> TerminateAsync(int pid, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!IsAlive(pid))
            return false;
        Kill(pid, SigTerm);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (IsAlive(pid) && waited.Elapsed < grace)
            await Task.Delay(100, cancellationToken);
        if (IsAlive(pid))
            Kill(pid, SigKill);
        while (IsAlive(pid) && waited.Elapsed < grace + TimeSpan.FromSeconds(5))
            await Task.Delay(100, cancellationToken);
        return true;
    }

    // A zombie still has /proc/<pid> but no command line; it holds no port and is as good as gone.
    public static bool IsAlive(int pid) =>
        Directory.Exists($"/proc/{pid}") && ListeningPortHolder.ReadCommandLine(pid).Length > 0;
}
