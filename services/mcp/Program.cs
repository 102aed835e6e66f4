using Mcp.Server;

if (args.Contains(HealthCheckCommand.Argument))
{
    return await HealthCheckCommand.RunAsync(HealthCheckCommand.ConfigurationFromEnvironment(), Console.Out);
}

WebApplication app;
try
{
    app = McpServerApplication.Create(args);
}
catch (InvalidOperationException exception)
{
    // Settings that cannot work (no token issuer, a bad PORT, ...): one line that says which and how to fix it,
    // and a plain exit code instead of an unhandled-exception abort.
    await Console.Error.WriteLineAsync($"mcp: not starting: {exception.Message}");
    return 1;
}

await app.RunAsync();
return 0;
