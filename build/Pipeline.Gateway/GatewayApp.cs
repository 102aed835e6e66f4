using Pipeline.Manifests;

namespace Pipeline.Gateway;

/// <summary>Builds the gateway web application: the manifest routes, the unknown-route 404 and its own health endpoint.</summary>
public static class GatewayApp
{
    public const string HealthPath = "/_gateway/health";

    public static WebApplication Create(GatewayOptions options)
    {
        var catalog = ServiceCatalog.Load(options.ServicesDirectory);
        var routes = GatewayRouteTable.From(catalog, options.UpstreamOverrides);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(options.Urls);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services
            .AddReverseProxy()
            .LoadFromMemory(routes.ToProxyRoutes(), routes.ToProxyClusters(options.ActivityTimeout));

        var app = builder.Build();

        app.MapGet(HealthPath, () => Results.Json(new { status = "ok", routes = routes.Describe() }));
        app.MapReverseProxy(proxy => proxy.Use((context, next) => ProxyErrorResponses.WriteErrorBodyAsync(context, next, routes)));
        app.MapFallback("{**path}", (HttpContext context) => Results.Json(
            new { error = "no route", path = context.Request.Path.Value, routes = routes.Routes.Select(r => r.Prefix).ToList() },
            statusCode: StatusCodes.Status404NotFound));

        return app;
    }
}
