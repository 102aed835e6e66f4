using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Pipeline.Gateway.AccessLog;
using Pipeline.Gateway.Auth;
using Pipeline.Manifests;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;

namespace Pipeline.Gateway;

/// <summary>
/// Builds the gateway web application: the manifest routes (public and internal) behind the bearer-token check and
/// API Gateway's limits (<see cref="ApiGatewayLimits"/>), the
/// local issuer under <c>/_auth</c>, the unknown-route 404, its own health endpoint and the pipeline's admin endpoints for
/// switching a service's upstream.
/// </summary>
public static class GatewayApp
{
    public const string HealthPath = "/_gateway/health";

    public static WebApplication Create(GatewayOptions options)
    {
        var catalog = ServiceCatalog.Load(options.ServicesDirectory);
        var credentials = options.IssuerCredentials
            ?? (options.IssuerFile is { } file
                ? LocalIssuerCredentials.Read(file)
                : throw new ArgumentException(
                    "The gateway needs the local issuer's credentials (--issuer-file): every route it serves is checked against them. " +
                    $"./build.sh Deploy generates the file and starts the gateway with it.\n{GatewayOptions.Usage}"));
        var routes = GatewayRouteTable.From(catalog, options.UpstreamOverrides);
        var traffic = new UpstreamTraffic();
        var split = new TrafficSplit(routes);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(options.Urls);
        if (options.ReusePort)
            builder.Services.Configure<SocketTransportOptions>(sockets => sockets.CreateBoundListenSocket = ReusePortListener.Create);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // YARP tells of every forward at Information; the access log has one line per request already.
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        // The gateway's own events are JSON lines too, like its access log, so every line of its log parses.
        builder.Logging.ClearProviders().AddJsonConsole(json =>
        {
            json.UseUtcTimestamp = true;
            json.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            json.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
        });
        builder.Services
            .AddReverseProxy()
            .LoadFromMemory(routes.ToProxyRoutes(), routes.ToProxyClusters(options.ActivityTimeout))
            // API Gateway and a load balancer pass W3C trace headers as they came (or send none): no span of the gateway's
            // own goes in, so mcp's call to fastapi reaches fastapi with mcp's traceparent, as it does on AWS.
            .ConfigureHttpClient((_, handler) => handler.ActivityHeadersPropagator = null);

        var app = builder.Build();
        var address = new GatewayAddress(app.Services.GetRequiredService<IServer>());
        var issuer = new LocalIssuer(credentials, () => address.BaseUrl);
        app.Lifetime.ApplicationStopped.Register(issuer.Dispose);
        var resources = new ProtectedResources(catalog, issuer.Environment, () => address.BaseUrl);
        var tokenCheck = new BearerTokenCheck(issuer, catalog, resources, () => address.BaseUrl);
        var limits = new ApiGatewayLimits(options.IntegrationTimeout);
        var routeSwitch = new GatewayRouteSwitch(
            routes, app.Services.GetRequiredService<InMemoryConfigProvider>(), app.Services.GetRequiredService<IProxyStateLookup>(), options.ActivityTimeout);

        var counters = new TrafficCounters(TimeProvider.System);
        var accessLog = new GatewayAccessLog(new RouteKeys(catalog), counters, options.AccessLogOutput ?? Console.Out, TimeProvider.System);
        // First, so the request id is there for every step after it, and a request the token check turns away is logged too.
        app.Use(accessLog.InvokeAsync);

        // The PID tells the pipeline which of two gateways sharing the port (during a replacement) answered.
        app.MapGet(HealthPath, () => Results.Json(new { status = "ok", pid = Environment.ProcessId, routes = routes.Describe() }));
        GatewayAdmin.Map(app, options.AdminToken, routes, routeSwitch, traffic, counters);
        var documents = new ClientMetadataDocuments();
        app.Lifetime.ApplicationStopped.Register(documents.Dispose);
        var statePath = options.IssuerStateFile ?? (options.IssuerFile is { } credentialsFile ? LocalIssuerCredentials.StatePathBeside(credentialsFile) : null);
        LocalIssuerEndpoints.Map(app, new LocalAuthorizationServer(
            issuer, resources, new IssuerStore(statePath, TimeProvider.System),
            new AuthorizationCodes(TimeProvider.System), documents, options.LocalAuthAutoApprove));
        app.MapReverseProxy(proxy =>
        {
            // First: a rejected request never counts as traffic to the service (it would delay a drain).
            proxy.Use(tokenCheck.CheckAsync);
            proxy.Use(limits.EnforceAsync);
            // Before the count: the count goes to the version this request was sent to.
            proxy.Use(split.RouteAsync);
            proxy.Use(traffic.TrackAsync);
            proxy.Use((context, next) => ProxyErrorResponses.WriteErrorBodyAsync(context, next, routes));
            proxy.Use(GatewayAccessLog.TimeIntegrationAsync);
        });
        app.MapFallback("{**path}", (HttpContext context) => Results.Json(
            new { error = "no route", path = context.Request.Path.Value, routes = routes.Routes.Select(r => r.Prefix).ToList() },
            statusCode: StatusCodes.Status404NotFound)).WithMetadata(GatewayAccessLog.NoRouteEndpoint.Instance);

        return app;
    }
}
