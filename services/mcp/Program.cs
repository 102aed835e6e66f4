using Mcp.Server;

if (args.Contains(HealthCheckCommand.Argument))
{
    var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
    return await HealthCheckCommand.RunAsync(configuration, Console.Out);
}

await McpServerApplication.Create(args).RunAsync();
return 0;
