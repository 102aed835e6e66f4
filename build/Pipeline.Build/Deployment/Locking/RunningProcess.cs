namespace Pipeline.Build.Deployment.Locking;

/// <summary>
/// A process's identity on this machine, precise enough to tell that a lock's holder is gone without waiting for its lease:
/// the kernel's boot id and PID namespace (another boot or container is another machine), the PID and the process's start
/// time (a PID used again by a later process is another process). Read from <c>/proc</c>; null where there is none.
/// </summary>
public static class RunningProcess
{
    /// <summary>This process's identity: <c>&lt;boot id&gt;/&lt;pid namespace&gt;/&lt;pid&gt;/&lt;start time&gt;</c>.</summary>
    public static string? Current() => IdentityOf(System.Environment.ProcessId);

    public static string? IdentityOf(int pid)
    {
        try
        {
            var boot = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            var pidNamespace = new FileInfo("/proc/self/ns/pid").LinkTarget ?? "";
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Field 22, counted after the command name, which is in parentheses and may contain spaces.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // A zombie (Z) or dead (X) process has finished; only its exit status is left for its parent to read.
            if (fields.Length <= 19 || fields[0] is "Z" or "X")
                return null;
            return $"{boot}/{pidNamespace}/{pid}/{fields[19]}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// True only when <paramref name="identity"/> is a process of this machine (same boot and PID namespace) that no longer
    /// runs: its PID is free or belongs to a process started later. False when it runs or when this machine cannot tell.
    /// </summary>
    public static bool IsGoneFromThisMachine(string? identity)
    {
        if (identity is null || Current() is not { } current)
            return false;
        var theirs = identity.Split('/');
        var ours = current.Split('/');
        if (theirs.Length != 4 || ours.Length != 4 || theirs[0] != ours[0] || theirs[1] != ours[1] || !int.TryParse(theirs[2], out var pid))
            return false;
        return IdentityOf(pid) != identity;
    }
}
