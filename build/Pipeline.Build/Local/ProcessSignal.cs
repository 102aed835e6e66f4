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

    // Judged by the process state, not its command line: while a process execs (setsid → sh → dotnet) its
    // command line can read empty for a moment. A zombie (Z) or dead (X) process holds no port and is as good as gone.
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 1)..].TrimStart();
            return state.Length > 0 && state[0] is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
