using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Pipeline.Gateway.Tests;

/// <summary>A real Kestrel server on a free 127.0.0.1 port, stopped on dispose.</summary>
sealed class LocalServer(WebApplication app) : IAsyncDisposable
{
    public WebApplication App { get; } = app;

    public Uri BaseAddress => new(App.Services.GetRequiredService<IServer>().Features
        .Get<IServerAddressesFeature>()!.Addresses.Single());

    public static async Task<LocalServer> StartUpstreamAsync(Action<WebApplication> mapEndpoints, Action<IServiceCollection>? addServices = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        addServices?.Invoke(builder.Services);
        var app = builder.Build();
        mapEndpoints(app);
        await app.StartAsync();
        return new LocalServer(app);
    }

    public static async Task<LocalServer> StartGatewayAsync(
        string servicesDirectory, IReadOnlyDictionary<string, Uri> upstreams, TimeSpan? activityTimeout = null,
        string? adminToken = null, int port = 0, bool reusePort = false, Pipeline.Manifests.LocalIssuerCredentials? issuer = null,
        TimeSpan? integrationTimeout = null, bool autoApprove = false, string? issuerStateFile = null, TextWriter? accessLog = null)
    {
        var app = GatewayApp.Create(new GatewayOptions
        {
            ServicesDirectory = servicesDirectory,
            Urls = $"http://127.0.0.1:{port}",
            UpstreamOverrides = upstreams,
            ActivityTimeout = activityTimeout ?? GatewayOptions.DefaultActivityTimeout,
            IntegrationTimeout = integrationTimeout ?? GatewayOptions.DefaultIntegrationTimeout,
            AdminToken = adminToken,
            ReusePort = reusePort,
            IssuerCredentials = issuer ?? TestIssuer.Credentials,
            LocalAuthAutoApprove = autoApprove,
            IssuerStateFile = issuerStateFile,
            AccessLogOutput = accessLog ?? TextWriter.Null,
        });
        await app.StartAsync();
        return new LocalServer(app);
    }

    /// <summary>A port nothing listens on: bound once by the OS, then released.</summary>
    public static int UnusedPort() => LoopbackPorts.Reserve();

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
