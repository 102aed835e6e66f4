Console.Error.WriteLine("The MCP server is not implemented yet.");
return 1;
