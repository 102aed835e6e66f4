Console.Error.WriteLine("The CDK app is not implemented yet.");
return 1;
