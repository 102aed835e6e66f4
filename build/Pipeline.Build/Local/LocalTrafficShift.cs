using System.Diagnostics;
using System.Globalization;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Local;

/// <summary>
/// A canary, linear or blue/green rollout through the local gateway, the way ECS runs one behind its ALB: the new version
/// takes each of the strategy's shares in turn (<see cref="RolloutStrategy.Steps"/>), holds it for the step's time, then all
/// of the traffic for the bake time while the previous version keeps running. The gateway judges the new version on its own
/// answers (error rate and p95 latency, <see cref="RolloutThresholds"/>) and sends it nothing more the moment it fails; this
/// class follows that judgement and reports it.
/// <para>
/// Time: a strategy's minute lasts <c>--local-minute</c> here (1 s by default). A step that ends before the new version got
/// <see cref="RolloutThresholds.MinimumJudgedRequests"/> requests is held longer, up to <see cref="MaxHoldFactor"/> times its
/// time, while the service has traffic: a short local step must not wave a release through on three requests.
/// </para>
/// </summary>
public sealed class LocalTrafficShift(LocalGatewayRoutes gateway, TimeSpan localMinute, IStepLog log)
{
    public const int MaxHoldFactor = 10;
    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    /// <summary>Moves <paramref name="service"/>'s traffic to <paramref name="upstream"/> step by step; throws <see cref="RolloutRejectedException"/> when the gateway's judge stops it.</summary>
    public async Task<ShiftState?> RunAsync(string service, Uri upstream, RolloutStrategy strategy, CancellationToken cancellationToken)
    {
        var steps = strategy.Steps();
        log.Info($"{service}: {strategy.Describe()} (locally a minute lasts {Poll.Format(localMinute)}); the new version is judged on its own requests: " +
                 $"5xx above {RolloutThresholds.ErrorRatePercent} % or p95 latency above {RolloutThresholds.P95LatencySeconds} s rolls it back");
        ShiftState? state = null;
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var phase = Phase(strategy, i, steps.Count);
            state = await gateway.ShiftAsync(service, upstream, step.Percent, cancellationToken);
            var hold = localMinute * step.HoldMinutes;
            log.Info($"{service}: {phase}: {Percent(step.Percent)} of requests to the new version" +
                     (step.HoldMinutes > 0 ? $" for {step.HoldMinutes} min ({Poll.Format(hold)} here)" : ""));
            state = await HoldAsync(service, phase, hold, needsJudgement: step.Percent < 100, cancellationToken) ?? state;
        }
        if (strategy.BakeTimeMinutes > 0)
        {
            var bake = localMinute * strategy.BakeTimeMinutes;
            log.Info($"{service}: bake: all requests on the new version for {strategy.BakeTimeMinutes} min ({Poll.Format(bake)} here); " +
                     "the previous version keeps running, ready to take the traffic back at once");
            state = await HoldAsync(service, "bake", bake, needsJudgement: false, cancellationToken) ?? state;
        }
        if (state is not null)
            log.Info($"{service}: the new version passed: {Figures(state)}");
        return state;
    }

    async Task<ShiftState?> HoldAsync(string service, string phase, TimeSpan hold, bool needsJudgement, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var atStart = await gateway.ReadShiftAsync(service, cancellationToken);
        var lastProgress = TimeSpan.Zero;
        var extended = false;
        while (true)
        {
            var state = await gateway.ReadShiftAsync(service, cancellationToken)
                ?? throw new PipelineException(
                    $"{service}: the local gateway no longer has the traffic shift of the {phase} (was it restarted?). " +
                    "The previous version serves all requests; run the deploy again.");
            if (state.Verdict is { } verdict)
                throw new RolloutRejectedException(service, phase, verdict, state);

            var elapsed = clock.Elapsed;
            if (elapsed >= hold)
            {
                var judged = state.Requests - (atStart?.Requests ?? 0);
                var traffic = state.AllRequests - (atStart?.AllRequests ?? 0);
                if (!needsJudgement || judged >= RolloutThresholds.MinimumJudgedRequests || traffic == 0 || elapsed >= hold * MaxHoldFactor)
                    return state;
                if (!extended)
                {
                    extended = true;
                    log.Info($"{service}: {phase}: the new version has had {judged} requests, fewer than the {RolloutThresholds.MinimumJudgedRequests} " +
                             $"a judgement needs; holding up to {Poll.Format(hold * MaxHoldFactor)}");
                }
            }
            if (elapsed - lastProgress >= ProgressInterval)
            {
                lastProgress = elapsed;
                log.Detail($"{service}: {phase}, {Poll.Format(elapsed)}: {Figures(state)}");
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    static string Phase(RolloutStrategy strategy, int index, int count) => strategy.Kind switch
    {
        RolloutKind.Canary => index < count - 1 ? "canary" : "after the canary",
        RolloutKind.Linear => $"linear step {index + 1}/{count}",
        _ => "blue/green switch",
    };

    public static string Percent(double value) => value.ToString("0.#", CultureInfo.InvariantCulture) + " %";

    /// <summary><c>new version 31 requests, 0 5xx, p95 12 ms; previous version 270 requests, 0 5xx</c>.</summary>
    public static string Figures(ShiftState state) =>
        $"new version {state.Requests} requests, {state.Failures} 5xx, p95 {state.P95Milliseconds.ToString("0.#", CultureInfo.InvariantCulture)} ms; " +
        $"previous version {state.PreviousRequests} requests, {state.PreviousFailures} 5xx";
}

/// <summary>The gateway's judge stopped a rollout: the new version gets no more requests.</summary>
public sealed class RolloutRejectedException(string service, string phase, string verdict, ShiftState state)
    : Exception($"{service}: rolled back during the {phase}: the new version {verdict}.")
{
    public string Service => service;
    public string Phase => phase;
    public string Verdict => verdict;
    public ShiftState State => state;

    /// <summary>Whether someone stopped it (<c>./build.sh Rollback</c>) rather than the judge.</summary>
    public bool ByRequest => verdict.StartsWith(StoppedOnRequest, StringComparison.Ordinal);

    /// <summary>How a verdict asked for by a Rollback begins (the gateway keeps the reason it is given).</summary>
    public const string StoppedOnRequest = "was stopped on request";
}
