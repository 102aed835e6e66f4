using Pipeline.Build.Aws.History;

namespace Pipeline.Build.Tests.Aws.History;

/// <summary>Deploy history records of environment dev for the planners' tests; each one made is a minute later than the one before.</summary>
static class HistoryRecords
{
    static int minute;

    public static DeployHistoryRecord Record(string target, string outcome, params (string Service, string Tag)[] images) => new()
    {
        Id = HistoryId.New(new DateTimeOffset(2026, 12, 1, 15, 0, 0, TimeSpan.Zero).AddMinutes(Interlocked.Increment(ref minute))),
        Environment = "dev",
        Target = target,
        Time = DateTimeOffset.UtcNow,
        Outcome = outcome,
        Services = images.Select(i => new HistoryImage(i.Service, $"registry/apigw-dev/{i.Service}", i.Tag, "sha256:" + i.Tag)).ToList(),
    };
}
