using System.Runtime.InteropServices;
using Pipeline.Build.Engine;

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
        if (!await ExitsWithinAsync(pid, grace, cancellationToken))
        {
            Kill(pid, SigKill);
            await ExitsWithinAsync(pid, TimeSpan.FromSeconds(5), cancellationToken);
        }
        return true;
    }

    static async Task<bool> ExitsWithinAsync(int pid, TimeSpan deadline, CancellationToken cancellationToken)
    {
        try
        {
            await new Poll($"Process {pid}", deadline, TimeSpan.FromMilliseconds(100))
            {
                Continues = "it keeps running",
                Command = $"ps -p {pid}",
            }.UntilAsync((_, _) => Task.FromResult(IsAlive(pid)), alive => !alive, _ => "running", cancellationToken);
            return true;
        }
        catch (PollTimeoutException)
        {
            return false;
        }
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
