using Mcp.Server;

if (args.Contains(HealthCheckCommand.Argument))
{
    return await HealthCheckCommand.RunAsync(HealthCheckCommand.ConfigurationFromEnvironment(), Console.Out);
}

await McpServerApplication.Create(args).RunAsync();
return 0;
