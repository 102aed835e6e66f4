using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Pipeline.Build.Aws.History;

/// <summary>
/// One Deploy, Redeploy or Rollback of an environment as the account's deploy history keeps it
/// (<c>s3://&lt;template bucket&gt;/history/&lt;environment&gt;/&lt;id&gt;.json</c>, one object per record). It says who ran what
/// from which commit, which image each service got and which template each stack ran, and how it ended. No secret goes
/// in: registry logins, AWS keys and parameter values other than image tags are never part of it.
/// </summary>
public sealed record DeployHistoryRecord
{
    public const int CurrentSchema = 1;

    public int Schema { get; init; } = CurrentSchema;

    /// <summary>Sortable: <c>20261201T153012Z-3f2a</c>, the time the run started and four random hex digits.</summary>
    public required string Id { get; init; }

    public required string Environment { get; init; }

    /// <summary>Deploy, Redeploy or Rollback.</summary>
    public required string Target { get; init; }

    /// <summary>When the run ended (UTC); for a run still under way (or abandoned), when it started.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>When the run started: its record is written then, as <see cref="Outcomes.Running"/>, and completed when it ends.</summary>
    public DateTimeOffset? Started { get; init; }

    /// <summary>
    /// For a <see cref="Outcomes.Running"/> record: until when its run has said it lives (renewed with the environment
    /// lock's lease). Once past, the run was killed or lost its machine: the record reads as <see cref="Outcomes.Abandoned"/>.
    /// </summary>
    public DateTimeOffset? LeaseUntil { get; init; }

    public double DurationSeconds { get; init; }

    /// <summary><c>succeeded</c>, <c>failed</c>, <c>cancelled</c>, or <c>running</c> while the run is under way.</summary>
    public required string Outcome { get; init; }

    /// <summary>The outcome as of <paramref name="now"/>: a running record whose lease has passed is <c>abandoned</c>.</summary>
    public string OutcomeAt(DateTimeOffset now) =>
        Outcome == Outcomes.Running && (LeaseUntil is null || LeaseUntil < now) ? Outcomes.Abandoned : Outcome;

    /// <summary>STS GetCallerIdentity of the credentials that ran it.</summary>
    public HistoryCaller Caller { get; init; } = HistoryCaller.Unknown;

    /// <summary>The commit of the repository it ran from, and whether the working tree had changes.</summary>
    public HistorySource Git { get; init; } = HistorySource.Unknown;

    public string Region { get; init; } = "";

    /// <summary>Where the images live: <c>ecr</c>, or the --registry repository root.</summary>
    public string Registry { get; init; } = "";

    /// <summary>The services this run deployed (a Redeploy or Rollback lists only the ones it rolled).</summary>
    public IReadOnlyList<HistoryImage> Services { get; init; } = [];

    /// <summary>Stack name to the SHA-256 of the template it runs (the stacks' <c>apigw:template-sha256</c> tag) when the run ended.</summary>
    public IReadOnlyDictionary<string, string> Templates { get; init; } = new Dictionary<string, string>();

    /// <summary>For a Rollback: the record whose images it restored.</summary>
    public string? RollbackTo { get; init; }

    /// <summary>For a promotion (Deploy --promote-from): the source environment and record whose images it deployed, <c>dev/20261201T153012Z-3f2a</c>.</summary>
    public string? PromotedFrom { get; init; }

    [JsonIgnore]
    public bool Succeeded => Outcome == Outcomes.Succeeded;

    public HistoryImage? ImageOf(string service) => Services.FirstOrDefault(s => s.Service == service);

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static string ToJson(IReadOnlyList<DeployHistoryRecord> records) => JsonSerializer.Serialize(records, JsonOptions);

    /// <summary>The record in <paramref name="json"/>; throws <see cref="JsonException"/> when it is not one.</summary>
    public static DeployHistoryRecord FromJson(string json) =>
        JsonSerializer.Deserialize<DeployHistoryRecord>(json, JsonOptions) ?? throw new JsonException("empty record");

    /// <summary>This record with only <paramref name="services"/>' images (for History --service).</summary>
    public DeployHistoryRecord For(IReadOnlyCollection<string> services) =>
        this with { Services = Services.Where(s => services.Contains(s.Service)).ToList() };
}

/// <summary>How a run ended, as the engine reports it.</summary>
public static class Outcomes
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>Written when a run starts; replaced by how it ended.</summary>
    public const string Running = "running";

    /// <summary>Never written: how History reads a running record whose run stopped renewing it (killed, or its machine gone).</summary>
    public const string Abandoned = "abandoned";
}

/// <summary>Who ran it: the account and the ARN of the caller (a user, or an assumed role and its session).</summary>
public sealed record HistoryCaller(string Account, string Arn)
{
    public static readonly HistoryCaller Unknown = new("unknown", "unknown");

    /// <summary><c>assumed-role/GitHubDeploy/run-42</c> or <c>user/jane</c>: the ARN's resource, short enough for a table.</summary>
    public string Short()
    {
        var parts = Arn.Split(':', 6);
        return parts.Length == 6 ? parts[5] : Arn;
    }
}

/// <summary>The git commit a run came from; <c>unknown</c> (and <see cref="Dirty"/> null) outside a git checkout.</summary>
public sealed record HistorySource(string Commit, bool? Dirty)
{
    public const string UnknownCommit = "unknown";

    public static readonly HistorySource Unknown = new(UnknownCommit, null);

    /// <summary><c>3f2a9c1d0b7e</c>, <c>3f2a9c1d0b7e+dirty</c> or <c>unknown</c>.</summary>
    public string Short() => Commit == UnknownCommit ? Commit : Commit[..Math.Min(12, Commit.Length)] + (Dirty == true ? "+dirty" : "");
}

/// <summary>
/// One service's image in a run: its repository, content tag and registry digest, and the protected tag
/// (<c>deployed-&lt;history id&gt;</c>) it was given after a successful run, if that worked.
/// </summary>
public sealed record HistoryImage(string Service, string Repository, string Tag, string? Digest)
{
    public string? ProtectedTag { get; init; }

    /// <summary>The strategy the service rolled with (<c>canary 10 % for 3 min, bake 5 min</c>); absent in records written before strategies, and when the run did not roll it.</summary>
    public string? Strategy { get; init; }

    /// <summary>How its rollout ended: <c>completed</c>, <c>rolled back by alarm &lt;name&gt;</c>, <c>rolled back by circuit breaker</c>, <c>rolled back by request</c>; absent when unknown.</summary>
    public string? Rollout { get; init; }
}

/// <summary>History ids: the UTC time a run started (to the second) and four random hex digits, so they sort by time.</summary>
public static partial class HistoryId
{
    const string TimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    public static string New(DateTimeOffset time) =>
        time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));

    public static bool IsValid(string id) => Pattern().IsMatch(id);

    [GeneratedRegex("^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{4}$")]
    private static partial Regex Pattern();
}
