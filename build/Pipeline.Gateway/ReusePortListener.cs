using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Pipeline.Gateway;

/// <summary>
/// Kestrel has no switch for SO_REUSEPORT, but it lets the app create the bound listen socket. With the option set before
/// bind, a new gateway process can listen on the port the old one still holds; the kernel spreads new connections over
/// both until the old one closes its socket at shutdown, so a gateway replacement never leaves the port without a listener.
/// Both processes must run as the same user, which also keeps other users from joining the port.
/// </summary>
public static class ReusePortListener
{
    // <sys/socket.h> on Linux.
    const int SolSocket = 1;
    const int SoReusePort = 15;

    public static Socket Create(EndPoint endpoint)
    {
        if (!OperatingSystem.IsLinux() || endpoint is not IPEndPoint ip)
            return SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);

        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (ip.Address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true;
            socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            socket.Bind(ip);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
