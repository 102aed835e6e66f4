using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Pipeline.Gateway;

/// <summary>
/// The gateway's own base URL (<c>http://127.0.0.1:&lt;port&gt;</c>), as the issuer URL and the challenges' metadata URLs
/// need it. Read from the address the server actually bound, never from a request's Host header (which a caller chooses),
/// and only once the server listens: with port 0 (tests) the port is known only then.
/// </summary>
public sealed class GatewayAddress(IServer server)
{
    Uri? baseUrl;

    public Uri BaseUrl => baseUrl ??= Read();

    Uri Read()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("The gateway's server reports no address.");
        var first = addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The gateway does not listen yet; its address is not known.");
        return new Uri(first.Replace("://localhost:", "://127.0.0.1:", StringComparison.Ordinal));
    }
}
