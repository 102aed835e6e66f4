namespace Mcp.Server;

/// <summary>Which setting decides where the server listens. The first one that is set wins, in declaration order.</summary>
public enum ListenSource
{
    /// <summary><c>PORT</c> with <c>BIND_ADDRESS</c>: the platform's variables, set from the service manifest.</summary>
    Port,

    /// <summary><c>ASPNETCORE_URLS</c>, bound by Kestrel itself.</summary>
    AspNetCoreUrls,

    /// <summary><c>ASPNETCORE_HTTP_PORTS</c>, bound by Kestrel itself (on every interface).</summary>
    AspNetCoreHttpPorts,

    /// <summary>Nothing set: <c>BIND_ADDRESS</c> (default 0.0.0.0) and port 3000.</summary>
    Default,
}
