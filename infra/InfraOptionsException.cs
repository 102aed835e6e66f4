namespace Pipeline.Infra;

/// <summary>The command line or the CDK context asks for something the app cannot synthesize. The message says what to pass instead.</summary>
public sealed class InfraOptionsException(string message) : Exception(message);
