using Pipeline.Gateway;
using Pipeline.Manifests;

GatewayOptions options;
WebApplication app;
try
{
    // The admin token comes from the environment, never the command line: /proc/<pid>/cmdline is readable by every user.
    options = GatewayOptions.Parse(args) with
    {
        AdminToken = Environment.GetEnvironmentVariable(GatewayAdmin.TokenVariable),
        LocalAuthAutoApprove = GatewayOptions.IsAutoApprove(Environment.GetEnvironmentVariable(GatewayOptions.AutoApproveVariable)),
    };
    app = GatewayApp.Create(options);
}
catch (Exception e) when (e is ArgumentException or ManifestException)
{
    Console.Error.WriteLine($"gateway: {e.Message}");
    return 2;
}

await app.RunAsync();
return 0;
