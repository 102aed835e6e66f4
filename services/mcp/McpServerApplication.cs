using Mcp.Server.Tools;
using ModelContextProtocol.AspNetCore;

namespace Mcp.Server;

/// <summary>Builds the web application: the MCP endpoint, health, service info and Origin validation.</summary>
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
        if (settings.BindUrl is { } bindUrl)
        {
            builder.WebHost.UseUrls(bindUrl);
            // Our own startup warning already says PORT overrides ASPNETCORE_HTTP_PORTS; Kestrel would warn a second time.
            builder.WebHost.UseSetting(WebHostDefaults.HttpPortsKey, "");
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(20));

        builder.Services.AddSingleton(settings);
        builder.Services.AddHttpClient<FastApiClient>(http => http.Timeout = FastApiClient.RequestTimeout);
        builder.Services
            .AddMcpServer(server => server.ServerInfo = new() { Name = settings.ServiceName, Version = settings.Version })
            .WithHttpTransport(transport => transport.SessionMode = HttpServerSessionMode.Stateless)
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

        app.UseMiddleware<OriginValidationMiddleware>();
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
            health = settings.RootPath + settings.HealthPath,
            fastapi_configured = settings.FastApiBaseUrl is not null,
        }));
        app.MapMcp(ServiceSettings.McpPath);
        return app;
    }

    [LoggerMessage(
        EventId = 1,
        EventName = "PortOverridesAspNetCoreVariables",
        Level = LogLevel.Warning,
        Message = "PORT={Port} is set together with {OverriddenVariables}; PORT wins, so the server listens on {BindUrl} " +
                  "and ignores {OverriddenNames}. Unset one of them to silence this warning.")]
    private static partial void LogPortOverridesAspNetCoreVariables(
        ILogger logger, int port, string overriddenVariables, string? bindUrl, string overriddenNames);
}
