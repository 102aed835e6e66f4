using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Build.Deployment.Locking;

/// <summary>
/// Who holds an environment's lock, as the lock itself records it: which run (its id), who ran it from where (user or
/// AWS principal, host, process), which commit and target, since when, and until when its lease runs unless renewed.
/// </summary>
public sealed record LockHolder
{
    /// <summary>Unique per run; the lock is this run's while the stored holder has this id.</summary>
    public required string RunId { get; init; }

    public required string Environment { get; init; }

    /// <summary>The targets the run was started with, e.g. <c>Deploy</c>.</summary>
    public required string Target { get; init; }

    /// <summary>The AWS principal (ARN) on AWS, the user name locally.</summary>
    public required string Who { get; init; }

    public required string Host { get; init; }

    public required int ProcessId { get; init; }

    /// <summary>
    /// The process's identity on its machine (boot, PID namespace, PID and start time), so that a run on the same machine can
    /// tell for certain that the holder is gone; null where the system does not tell.
    /// </summary>
    public string? Process { get; init; }

    public string? Commit { get; init; }

    /// <summary>The CI run's URL when the holder runs in GitHub Actions.</summary>
    public string? CiRun { get; init; }

    public required DateTimeOffset Since { get; init; }

    /// <summary>The holder renews this while it runs; once it has passed, the lock may be taken over.</summary>
    public required DateTimeOffset LeaseUntil { get; init; }

    public bool LeaseExpired(DateTimeOffset now) => LeaseUntil < now;

    /// <summary>One line for messages: <c>Deploy by arn:aws:sts::1:assumed-role/x on ci-host (pid 4242, commit 3f2a1b9c) since 15:02:11Z</c>.</summary>
    public string Describe() =>
        $"{Target} by {Who} on {Host} (pid {ProcessId}{(Commit is { Length: >= 8 } commit ? $", commit {commit[..8]}" : "")}" +
        $"{(CiRun is null ? "" : $", {CiRun}")}) since {Since:yyyy-MM-dd HH:mm:ss}Z";

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions) + "\n";

    /// <summary>The holder in <paramref name="json"/>; null when it is not one (a lock written by hand, or cut short).</summary>
    public static LockHolder? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<LockHolder>(json, JsonOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
