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
    public async Task<Uri> SwitchAsync(string service, Uri upstream, CancellationToken cancellationToken) =>
        (await ApplyAsync(service, () => table.WithUpstream(service, upstream), cancellationToken)).Upstream;

    /// <summary>Starts or changes <paramref name="service"/>'s traffic shift to <paramref name="upstream"/>; returns the route as it was.</summary>
    public Task<GatewayRoute> ShiftAsync(string service, Uri upstream, double percent, CancellationToken cancellationToken) =>
        ApplyAsync(service, () => table.WithShift(service, upstream, percent), cancellationToken);

    /// <summary>Ends <paramref name="service"/>'s traffic shift; returns the route as it was (with the shift's judge).</summary>
    public Task<GatewayRoute> EndShiftAsync(string service, CancellationToken cancellationToken) =>
        ApplyAsync(service, () => table.WithoutShift(service), cancellationToken);

    async Task<GatewayRoute> ApplyAsync(string service, Func<GatewayRoute> change, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var previous = change();
            config.Update(routes, table.ToProxyClusters(activityTimeout));
            await WaitUntilAppliedAsync(service, cancellationToken);
            return previous;
        }
        finally
        {
            gate.Release();
        }
    }

    async Task WaitUntilAppliedAsync(string service, CancellationToken cancellationToken)
    {
        var wanted = GatewayRouteTable.DestinationsOf(table.FindByService(service)!)
            .ToDictionary(d => d.Key, d => d.Value.ToString());
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!IsApplied(service, wanted))
        {
            if (waited.Elapsed > ApplyTimeout)
                throw new TimeoutException(
                    $"The proxy did not apply the upstreams {string.Join(", ", wanted.Values)} for '{service}' within {ApplyTimeout.TotalSeconds:0} s.");
            await Task.Delay(5, cancellationToken);
        }
    }

    bool IsApplied(string service, IReadOnlyDictionary<string, string> wanted) =>
        state.TryGetCluster(service, out var cluster)
        && cluster.DestinationsState.AvailableDestinations is var live
        && live.Count == wanted.Count
        && live.All(d => wanted.TryGetValue(d.DestinationId, out var address) && d.Model.Config.Address == address);
}
