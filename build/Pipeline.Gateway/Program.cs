Console.Error.WriteLine("The local gateway is not implemented yet.");
return 1;
