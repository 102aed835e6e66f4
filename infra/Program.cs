// Every failure ends as "error: <message>" and exit code 2 (see InfraProgram).
return Pipeline.Infra.InfraProgram.Run(args, Console.Out, Console.Error);
