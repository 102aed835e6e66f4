using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;

namespace Pipeline.Gateway;

/// <summary>
/// Moves a service to another upstream while the gateway runs. YARP's in-memory configuration is replaced as a whole
/// (<see cref="InMemoryConfigProvider.Update(IReadOnlyList{RouteConfig}, IReadOnlyList{ClusterConfig})"/>): the routes stay
/// the same objects, only the service's cluster gets its new destination, so a request picks either the old or the new
/// upstream, never none. Requests already forwarded finish on the old upstream. YARP applies an update in the background,
/// so a switch returns only once the live cluster shows the new destination.
/// </summary>
public sealed class GatewayRouteSwitch(
    GatewayRouteTable table, InMemoryConfigProvider config, IProxyStateLookup state, TimeSpan activityTimeout)
{
    static readonly TimeSpan ApplyTimeout = TimeSpan.FromSeconds(5);

    readonly SemaphoreSlim gate = new(1, 1);
    readonly IReadOnlyList<RouteConfig> routes = table.ToProxyRoutes();

    /// <returns>The upstream the service had before.</returns>
    public async Task<Uri> SwitchAsync(string service, Uri upstream, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var previous = table.WithUpstream(service, upstream);
            config.Update(routes, table.ToProxyClusters(activityTimeout));
            await WaitUntilAppliedAsync(service, upstream, cancellationToken);
            return previous.Upstream;
        }
        finally
        {
            gate.Release();
        }
    }

    async Task WaitUntilAppliedAsync(string service, Uri upstream, CancellationToken cancellationToken)
    {
        var address = upstream.ToString();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!IsApplied(service, address))
        {
            if (waited.Elapsed > ApplyTimeout)
                throw new TimeoutException($"The proxy did not apply the new upstream {address} for '{service}' within {ApplyTimeout.TotalSeconds:0} s.");
            await Task.Delay(5, cancellationToken);
        }
    }

    bool IsApplied(string service, string address) =>
        state.TryGetCluster(service, out var cluster)
        && cluster.DestinationsState.AvailableDestinations is [var only] && only.Model.Config.Address == address;
}
