using Mcp.Server.Authorization;
using Mcp.Server.Logs;
using Mcp.Server.Tools;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Logging.Console;
using ModelContextProtocol.AspNetCore;

namespace Mcp.Server;

/// <summary>
/// Builds the web application: the MCP endpoint (bearer token required), its protected resource metadata, health,
/// service info and Origin validation.
/// </summary>
public static partial class McpServerApplication
{
    /// <summary>
    /// Creates the application. <paramref name="settingsOverride"/> lets a host (tests) replace
    /// environment-derived settings; otherwise they come from environment variables.
    /// </summary>
    public static WebApplication Create(string[] args, IReadOnlyDictionary<string, string?>? settingsOverride = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (settingsOverride is not null)
        {
            builder.Configuration.AddInMemoryCollection(settingsOverride);
        }

        var settings = ServiceSettings.FromConfiguration(builder.Configuration);
        var tokenRequirement = settings.RequireTokenValidation();
        if (settings.BindUrl is { } bindUrl)
        {
            builder.WebHost.UseUrls(bindUrl);
            // Our own startup warning already says PORT overrides ASPNETCORE_HTTP_PORTS; Kestrel would warn a second time.
            builder.WebHost.UseSetting(WebHostDefaults.HttpPortsKey, "");
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // No body is read past the limit anywhere, even on a path the limit middleware would not see first.
            kestrel.Limits.MaxRequestBodySize = settings.MaxRequestBodyBytes;
        });
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Logging.AddConsole(console => console.FormatterName = JsonLineFormatter.FormatterName);
        builder.Logging.AddConsoleFormatter<JsonLineFormatter, ConsoleFormatterOptions>();

        builder.Services.AddSingleton(settings);
        builder.Services.AddTokenAuthentication(settings, tokenRequirement);
        builder.Services.AddHttpClient<FastApiClient>(http => http.Timeout = FastApiClient.RequestTimeout)
            // OutgoingRequestLogHandler sends the one traceparent. The handler's own propagation, on whenever an Activity is
            // current (ASP.NET Core starts one per request while logging is on), keeps a traceparent already set but adds the
            // incoming request's tracestate and baggage beside it; without a propagator it sends nothing of its own.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { ActivityHeadersPropagator = null })
            .AddHttpMessageHandler(services => new OutgoingRequestLogHandler(
                FastApiClient.PeerService, services.GetRequiredService<ILogger<OutgoingRequestLogHandler>>()));
        builder.Services
            .AddMcpServer(server => server.ServerInfo = new() { Name = settings.ServiceName, Version = settings.Version })
            .WithHttpTransport(transport => transport.SessionMode = HttpServerSessionMode.Stateless)
            .WithMessageFilters(filters => filters.AddIncomingFilter(RequestLogMiddleware.RecordMcpMethod))
            .WithTools<FastApiTools>()
            .WithTools<HashTools>()
            .WithTools<TemperatureTools>();

        var app = builder.Build();
        if (settings.VariablesOverriddenByPort is { Count: > 0 } overridden)
        {
            LogPortOverridesAspNetCoreVariables(
                app.Logger,
                settings.Port,
                string.Join(" and ", overridden.Select(variable => $"{variable.Name}={variable.Value}")),
                settings.BindUrl,
                string.Join(" and ", overridden.Select(variable => variable.Name)));
        }

        LogTokenRequirement(
            app.Logger,
            tokenRequirement.IssuerText,
            tokenRequirement.Audience,
            tokenRequirement.Scope,
            app.Services.GetRequiredService<ProtectedResource>().ConfiguredMetadataUrl?.AbsoluteUri
                ?? $"derived per request from X-Forwarded-Proto/X-Forwarded-Host and ROOT_PATH ({settings.RootPath}{ProtectedResource.MetadataPath})");

        app.Lifetime.ApplicationStarted.Register(() =>
            LogStarted(app.Logger, settings.ServiceName, settings.Version, string.Join(", ", app.Urls)));
        app.Lifetime.ApplicationStopped.Register(() => LogStopped(app.Logger, settings.ServiceName, settings.Version));

        // Outside everything else, so the requests turned away below (403, 413, 401) are logged and echo the request id too.
        app.UseMiddleware<RequestLogMiddleware>();
        // A disallowed browser origin is turned away before anything else, token or not.
        app.UseMiddleware<OriginValidationMiddleware>();
        // Before anything reads a body: the token check does not, the MCP endpoint does.
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        if (settings.PublicBaseUrl is null)
        {
            UsePublicAddressOfTheGateway(app, settings);
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet(settings.HealthPath, () => Results.Ok(new
        {
            status = "ok",
            service = settings.ServiceName,
            version = settings.Version,
        }));
        app.MapGet("/", () => Results.Ok(new
        {
            service = settings.ServiceName,
            version = settings.Version,
            description = "MCP server (Streamable HTTP, stateless) whose tools use the fastapi service.",
            mcp_endpoint = settings.RootPath + ServiceSettings.McpPath,
            resource_metadata = settings.RootPath + ProtectedResource.MetadataPath,
            authorization_server = tokenRequirement.IssuerText,
            health = settings.RootPath + settings.HealthPath,
            fastapi_configured = settings.FastApiBaseUrl is not null,
        }));
        // The SDK's handler answers this path itself when the request is addressed exactly as the challenge says;
        // behind the gateway the prefix is stripped and the request reaches this endpoint instead. Both serve one document.
        app.MapGet(ProtectedResource.MetadataPath, (HttpRequest request, ProtectedResource resource) =>
            Results.Json(resource.MetadataFor(request), ModelContextProtocol.McpJsonUtilities.DefaultOptions));
        app.MapMcp(ServiceSettings.McpPath).RequireAuthorization(TokenAuthentication.ScopePolicy);
        return app;
    }

    /// <summary>
    /// Without PUBLIC_BASE_URL, the public address is the one the gateway forwarded: X-Forwarded-Proto and X-Forwarded-Host
    /// (from whichever proxy sends them: they only shape the URLs this server publishes), and ROOT_PATH, the prefix the
    /// gateway stripped, as the path base. Requests without them keep their own scheme and host.
    /// </summary>
    private static void UsePublicAddressOfTheGateway(WebApplication app, ServiceSettings settings)
    {
        var forwarded = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost };
        forwarded.KnownIPNetworks.Clear();
        forwarded.KnownProxies.Clear();
        app.UseForwardedHeaders(forwarded);
        var rootPath = new PathString(settings.RootPath);
        app.Use((context, next) =>
        {
            context.Request.PathBase = rootPath.Add(context.Request.PathBase);
            return next(context);
        });
    }

    [LoggerMessage(
        EventId = 1,
        EventName = "PortOverridesAspNetCoreVariables",
        Level = LogLevel.Warning,
        Message = "PORT={Port} is set together with {OverriddenVariables}; PORT wins, so the server listens on {BindUrl} " +
                  "and ignores {OverriddenNames}. Unset one of them to silence this warning.")]
    private static partial void LogPortOverridesAspNetCoreVariables(
        ILogger logger, int port, string overriddenVariables, string? bindUrl, string overriddenNames);

    [LoggerMessage(
        EventId = 3,
        EventName = "TokenRequirement",
        Level = LogLevel.Information,
        Message = "The MCP endpoint admits access tokens from {Issuer} for audience {Audience} with scope {Scope}; resource metadata: {MetadataUrl}")]
    private static partial void LogTokenRequirement(ILogger logger, string issuer, string audience, string scope, string metadataUrl);

    [LoggerMessage(EventId = 4, EventName = "Started", Level = LogLevel.Information, Message = "{Service} {Version} started, listening on {Addresses}")]
    private static partial void LogStarted(ILogger logger, string service, string version, string addresses);

    [LoggerMessage(EventId = 5, EventName = "Stopped", Level = LogLevel.Information, Message = "{Service} {Version} stopped: in-flight requests finished")]
    private static partial void LogStopped(ILogger logger, string service, string version);
}
