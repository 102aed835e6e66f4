using Pipeline.Gateway;
using Pipeline.Manifests;

GatewayOptions options;
WebApplication app;
try
{
    options = GatewayOptions.Parse(args);
    app = GatewayApp.Create(options);
}
catch (Exception e) when (e is ArgumentException or ManifestException)
{
    Console.Error.WriteLine($"gateway: {e.Message}");
    return 2;
}

await app.RunAsync();
return 0;
