namespace Pipeline.Build.Deploy;

/// <summary>The bounds of a stack deploy's waits.</summary>
public sealed record StackDeployerOptions
{
    /// <summary>How long to wait for another operation on the stack to finish before giving up. Default 30 minutes.</summary>
    public TimeSpan BusyWait { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a change set creation, a stack update or a delete may take. Default 60 minutes.</summary>
    public TimeSpan OperationWait { get; init; } = TimeSpan.FromMinutes(60);

    /// <summary>How often stack status and events are polled. Default 5 seconds.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);
}
