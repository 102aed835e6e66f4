using System.Globalization;

namespace Pipeline.Build.Local;

/// <summary>
/// Who listens on a TCP port, found the way <c>ss -ltnp</c> does it: the listening socket's inode in
/// <c>/proc/net/tcp{,6}</c>, then the process whose <c>/proc/&lt;pid&gt;/fd</c> holds that socket.
/// </summary>
public sealed record ListeningPortHolder(int Port, int? ProcessId, string? CommandLine)
{
    const string ListenState = "0A";

    public string Describe() => ProcessId is null
        ? $"port {Port} (held by a process this user cannot see; try `sudo ss -ltnp 'sport = :{Port}'`)"
        : $"port {Port} (held by pid {ProcessId}: {CommandLine})";

    /// <summary>The listener on <paramref name="port"/>, or null when nothing listens there.</summary>
    public static ListeningPortHolder? Find(int port)
    {
        var inodes = new[] { "/proc/net/tcp", "/proc/net/tcp6" }
            .Where(File.Exists)
            .SelectMany(ListeningInodes)
            .Where(l => l.Port == port)
            .Select(l => l.Inode)
            .ToHashSet();
        if (inodes.Count == 0)
            return IsBindable(port) ? null : new ListeningPortHolder(port, null, null);

        foreach (var (pid, commandLine) in ProcessesHoldingAny(inodes))
            return new ListeningPortHolder(port, pid, commandLine);
        return new ListeningPortHolder(port, null, null);
    }

    static IEnumerable<(int Port, string Inode)> ListeningInodes(string table)
    {
        string[] lines;
        try { lines = File.ReadAllLines(table); }
        catch (IOException) { yield break; }

        foreach (var line in lines.Skip(1))
        {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10 || fields[3] != ListenState)
                continue;
            var portHex = fields[1][(fields[1].LastIndexOf(':') + 1)..];
            yield return (int.Parse(portHex, NumberStyles.HexNumber, CultureInfo.InvariantCulture), fields[9]);
        }
    }

    static IEnumerable<(int Pid, string CommandLine)> ProcessesHoldingAny(HashSet<string> inodes)
    {
        var targets = inodes.Select(i => $"socket:[{i}]").ToHashSet();
        foreach (var processDir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(processDir), out var pid))
                continue;
            string[] fds;
            try { fds = Directory.GetFiles(Path.Combine(processDir, "fd")); }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException) { continue; }

            foreach (var fd in fds)
            {
                string? link;
                try { link = new FileInfo(fd).LinkTarget; }
                catch (Exception e) when (e is UnauthorizedAccessException or IOException) { continue; }
                if (link is not null && targets.Contains(link))
                {
                    yield return (pid, ReadCommandLine(pid));
                    break;
                }
            }
        }
    }

    public static string ReadCommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return "";
        }
    }

    // /proc is Linux-only; elsewhere (and for sockets in another network namespace) binding is the honest test.
    static bool IsBindable(int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }
}
