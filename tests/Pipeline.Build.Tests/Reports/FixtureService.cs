namespace Pipeline.Build.Tests.Reports;

/// <summary>A service of the hand-made templates: what the CDK app would make of its manifest (Uses: the services it calls).</summary>
public sealed record FixtureService(
    string Name,
    int Port,
    int Cpu = 256,
    int Memory = 512,
    int MinTasks = 2,
    int MaxTasks = 4,
    int LogRetentionDays = 7,
    int Alarms = 4,
    bool HighResolutionAlarm = false,
    string ImageTag = "3f2a9c1d0b7e",
    IReadOnlyList<string>? Uses = null);
