using System.Globalization;

namespace Pipeline.Manifests;

/// <summary>How a new version of a service takes over its traffic.</summary>
public enum RolloutKind
{
    /// <summary>New tasks replace old ones in batches (ECS <c>ROLLING</c>); the whole target group is judged.</summary>
    Rolling,

    /// <summary>The new version starts beside the old one, is checked on the test route, then takes all traffic at once (ECS <c>BLUE_GREEN</c>).</summary>
    BlueGreen,

    /// <summary>A share of the traffic goes to the new version for a while, then the rest (ECS <c>CANARY</c>).</summary>
    Canary,

    /// <summary>The traffic moves in equal steps with a wait after each (ECS <c>LINEAR</c>).</summary>
    Linear,
}

/// <summary>
/// A manifest's <c>deployment</c>: the strategy and its timings, in ECS's terms (minutes, percentages), so the same numbers
/// drive ECS on AWS and the local gateway. Every property has a default, so a manifest without <c>deployment</c> gets
/// <see cref="Default"/>.
/// </summary>
/// <remarks>
/// The default is a canary of 10 % for 3 minutes, then everything, with 5 minutes of bake: a bad release reaches one request in
/// ten for no longer than the alarms need to see it (3 one-minute periods, 2 of them breaching), and for the 5 minutes after
/// the switch the previous version still runs, so going back is a traffic switch and not a new deployment.
/// </remarks>
public sealed record RolloutStrategy
{
    /// <summary><c>rolling</c>, <c>blue-green</c>, <c>canary</c> or <c>linear</c>. Default <c>canary</c>.</summary>
    public string Strategy { get; init; } = "canary";

    /// <summary>After all traffic is on the new version, how long the old one is kept to switch back to (ECS <c>BakeTimeInMinutes</c>, 0-1440). Default 5.</summary>
    public int BakeTimeMinutes { get; init; } = 5;

    /// <summary>Canary: the share of traffic the new version gets first (ECS <c>CanaryPercent</c>, 0.1-100 in steps of 0.1). Default 10.</summary>
    public double CanaryPercent { get; init; } = 10;

    /// <summary>Canary: how long the new version serves that share before it gets the rest (ECS <c>CanaryBakeTimeInMinutes</c>, 0-1440). Default 3.</summary>
    public int CanaryBakeTimeMinutes { get; init; } = 3;

    /// <summary>Linear: the share moved at each step (ECS <c>StepPercent</c>, 3-100 in steps of 0.1). Default 25.</summary>
    public double LinearStepPercent { get; init; } = 25;

    /// <summary>Linear: the wait after each step but the last (ECS <c>StepBakeTimeInMinutes</c>, 0-1440). Default 1.</summary>
    public int LinearStepBakeTimeMinutes { get; init; } = 1;

    public static RolloutStrategy Default { get; } = new();

    public const int MaxMinutes = 1440;

    /// <summary>The names a manifest and <c>--strategy</c> accept.</summary>
    public static IReadOnlyList<string> Names { get; } = ["rolling", "blue-green", "canary", "linear"];

    public RolloutKind Kind => TryParseKind(Strategy) ?? RolloutKind.Canary;

    public static RolloutKind? TryParseKind(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "rolling" => RolloutKind.Rolling,
        "blue-green" or "bluegreen" or "blue_green" => RolloutKind.BlueGreen,
        "canary" => RolloutKind.Canary,
        "linear" => RolloutKind.Linear,
        _ => null,
    };

    public static string NameOf(RolloutKind kind) => kind switch
    {
        RolloutKind.Rolling => "rolling",
        RolloutKind.BlueGreen => "blue-green",
        RolloutKind.Canary => "canary",
        _ => "linear",
    };

    /// <summary>ECS's <c>DeploymentConfiguration.Strategy</c> for this kind.</summary>
    public string EcsStrategy => Kind switch
    {
        RolloutKind.Rolling => "ROLLING",
        RolloutKind.BlueGreen => "BLUE_GREEN",
        RolloutKind.Canary => "CANARY",
        _ => "LINEAR",
    };

    /// <summary>Whether the new version runs beside the old one behind a second target group (everything but rolling).</summary>
    public bool ShiftsTraffic => Kind != RolloutKind.Rolling;

    /// <summary>
    /// The traffic shares the new version gets, in order, each with how long it is held (before the bake time that follows the
    /// last). Rolling and blue/green: one step to 100 %. Canary: its share, then 100 %. Linear: equal steps up to 100 %.
    /// </summary>
    public IReadOnlyList<TrafficStep> Steps()
    {
        switch (Kind)
        {
            case RolloutKind.Canary:
                return CanaryPercent >= 100
                    ? [new TrafficStep(100, 0)]
                    : [new TrafficStep(CanaryPercent, CanaryBakeTimeMinutes), new TrafficStep(100, 0)];
            case RolloutKind.Linear:
                var steps = new List<TrafficStep>();
                for (var share = LinearStepPercent; share < 100 - 1e-9; share += LinearStepPercent)
                    steps.Add(new TrafficStep(Math.Round(share, 1), LinearStepBakeTimeMinutes));
                steps.Add(new TrafficStep(100, 0));
                return steps;
            default:
                return [new TrafficStep(100, 0)];
        }
    }

    /// <summary>One line for logs and History: <c>canary 10 % for 3 min, bake 5 min</c>.</summary>
    public string Describe() => Kind switch
    {
        RolloutKind.Rolling => "rolling",
        RolloutKind.BlueGreen => $"blue-green, bake {BakeTimeMinutes} min",
        RolloutKind.Canary => $"canary {Percent(CanaryPercent)} for {CanaryBakeTimeMinutes} min, bake {BakeTimeMinutes} min",
        _ => $"linear {Percent(LinearStepPercent)} every {LinearStepBakeTimeMinutes} min, bake {BakeTimeMinutes} min",
    };

    static string Percent(double value) => value.ToString("0.#", CultureInfo.InvariantCulture) + " %";

    /// <summary>This strategy with one run's overrides (<c>--strategy</c>, <c>--bake-time</c>) applied; null keeps the manifest's.</summary>
    public RolloutStrategy With(string? strategy, int? bakeTimeMinutes) => this with
    {
        Strategy = strategy is null ? Strategy : NameOf(TryParseKind(strategy) ?? throw new ManifestException(UnknownStrategy(strategy, "--strategy"))),
        BakeTimeMinutes = bakeTimeMinutes ?? BakeTimeMinutes,
    };

    public static string UnknownStrategy(string text, string where) =>
        $"{where}: unknown deployment strategy '{text}'. Use one of: {string.Join(", ", Names)}.";

    /// <summary>What is wrong with these settings, in the manifest's words; empty when ECS would accept them.</summary>
    public IEnumerable<string> Problems(string service)
    {
        if (TryParseKind(Strategy) is null)
            yield return $"{service}: {UnknownStrategy(Strategy, "deployment.strategy")}";
        foreach (var (name, minutes) in new[]
                 {
                     ("bakeTimeMinutes", BakeTimeMinutes), ("canaryBakeTimeMinutes", CanaryBakeTimeMinutes), ("linearStepBakeTimeMinutes", LinearStepBakeTimeMinutes),
                 })
            if (minutes is < 0 or > MaxMinutes)
                yield return $"{service}: deployment.{name} {minutes} is outside 0-{MaxMinutes} (ECS's limit: 24 hours).";
        if (!IsTenth(CanaryPercent) || CanaryPercent is < 0.1 or > 100)
            yield return $"{service}: deployment.canaryPercent {CanaryPercent.ToString(CultureInfo.InvariantCulture)} must be a multiple of 0.1 from 0.1 to 100 (ECS's CanaryPercent).";
        if (!IsTenth(LinearStepPercent) || LinearStepPercent is < 3 or > 100)
            yield return $"{service}: deployment.linearStepPercent {LinearStepPercent.ToString(CultureInfo.InvariantCulture)} must be a multiple of 0.1 from 3 to 100 (ECS's StepPercent).";
    }

    static bool IsTenth(double value) => Math.Abs(value * 10 - Math.Round(value * 10)) < 1e-6;
}

/// <summary>The new version's share of the traffic (percent) and how long it holds it, in minutes.</summary>
public sealed record TrafficStep(double Percent, int HoldMinutes);

/// <summary>
/// When a new version is judged bad: the same figures for the alarms ECS watches on AWS and for the local gateway's judge,
/// computed over the new version's requests only.
/// </summary>
public static class RolloutThresholds
{
    /// <summary>A new version whose 5xx exceed this share of its requests is rolled back.</summary>
    public const double ErrorRatePercent = 5;

    /// <summary>...and so is one whose p95 latency exceeds this.</summary>
    public const double P95LatencySeconds = 2;

    /// <summary>
    /// The local judge acts on no fewer failed requests than this, so one failure among a handful of requests does not roll a
    /// good release back (the AWS alarm's equivalent is 2 breaching minutes out of 3).
    /// </summary>
    public const int MinimumFailures = 2;

    /// <summary>The local judge reads latency only over at least this many requests.</summary>
    public const int MinimumLatencySamples = 20;

    /// <summary>
    /// A local step that gives the new version part of the traffic ends only once this many of its requests were judged (or its
    /// traffic stopped, or it was held ten times its time): a release that fails one request in five fails at least twice in 40
    /// with a probability above 99.8 %, so it is caught while it has its share, not after it has all of the traffic.
    /// </summary>
    public const int MinimumJudgedRequests = 40;
}
