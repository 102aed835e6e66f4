using System.Net;
using System.Net.Sockets;

namespace Pipeline.TestSupport;

/// <summary>
/// Ports for servers a test starts later, often in another process (a gateway, a container, moto). A port from bind(0) is
/// free only at that instant: the kernel hands the same ephemeral ports to every other bind(0) and outgoing connection, and
/// the test suites run in parallel, so a gateway that starts a minute later can find moto on it. These are chosen below the
/// kernel's ephemeral range instead, where nobody gets a port by chance, each test process from an offset of its own and
/// never the same one twice in a process, and checked to be free when chosen.
/// </summary>
public static class LoopbackPorts
{
    const int Lowest = 20_000;
    static readonly int Highest = EphemeralRangeStart() - 1;
    static int next = Lowest + Environment.ProcessId * 211 % (Highest - Lowest);

    public static int Reserve()
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var port = Lowest + (Interlocked.Increment(ref next) - Lowest) % (Highest - Lowest + 1);
            if (IsFree(port))
                return port;
        }
        throw new InvalidOperationException($"No free loopback port between {Lowest} and {Highest} after 1,000 tries.");
    }

    static bool IsFree(int port)
    {
        try
        {
            var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            probe.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of Linux's ephemeral range (32768 unless configured otherwise).</summary>
    static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.TryParse(range[0], out var start) && start > Lowest + 1_000 ? start : 32_768;
        }
        catch (IOException)
        {
            return 32_768;
        }
    }
}
