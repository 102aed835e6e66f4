using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.History;

/// <summary>
/// Decides what a rollback returns to, from the deploy history and the image tags the services run now. The images "as of"
/// a record are, per service, those of the newest successful record at or before it that deployed the service (a Redeploy
/// records only the services it rolled). Without <c>--to</c>, the target is the newest successful record whose images
/// differ from what runs now: the deploy before the current one.
/// </summary>
public static class RollbackPlanner
{
    /// <summary>How many recent records an error lists.</summary>
    const int RecentShown = 10;

    public static async Task<RollbackPlan> PlanAsync(
        DeployHistoryCursor history, IReadOnlyDictionary<string, string> running, IReadOnlyList<string> services, string? to, string environment,
        CancellationToken ct)
    {
        var index = to is null
            ? await DefaultTargetAsync(history, running, services, environment, ct)
            : await ChosenTargetAsync(history, to, environment, ct);
        var target = (await history.AtAsync(index, ct))!;
        var state = await ImagesAsOfAsync(history, index, services, ct);

        var changes = new List<RollbackChange>();
        var unchanged = new List<string>();
        var unknown = new List<string>();
        foreach (var service in services)
        {
            if (!state.TryGetValue(service, out var found))
                unknown.Add(service);
            else if (found.Image.Tag == running[service])
                unchanged.Add(service);
            else
                changes.Add(new RollbackChange(service, running[service], found.Image, found.RecordId));
        }
        if (to is not null && unknown.Count == services.Count)
            throw new PipelineException(
                $"Record {to} and the records before it deployed none of {string.Join(", ", services)}: there is no image to return {(services.Count == 1 ? "it" : "them")} to. " +
                $"Pick another record: ./build.sh History --profile <profile of {environment}>{(services.Count == 1 ? $" --service {services[0]}" : "")}");
        return new RollbackPlan(target, changes, unchanged, unknown);
    }

    static async Task<int> DefaultTargetAsync(
        DeployHistoryCursor history, IReadOnlyDictionary<string, string> running, IReadOnlyList<string> services, string environment, CancellationToken ct)
    {
        for (var i = 0; await history.AtAsync(i, ct) is { } record; i++)
        {
            if (!record.Succeeded || !services.Any(s => record.ImageOf(s) is not null))
                continue;
            var state = await ImagesAsOfAsync(history, i, services, ct);
            if (state.Any(s => s.Value.Image.Tag != running[s.Key]))
                return i;
        }
        throw new PipelineException(
            $"No earlier successful deploy of {string.Join(", ", services)} in environment {environment} ran other images than the ones running now " +
            $"({string.Join(", ", services.Select(s => $"{s} {running[s]}"))}): there is nothing to roll back to. " +
            $"See the history: ./build.sh History --profile <profile of {environment}>");
    }

    static async Task<int> ChosenTargetAsync(DeployHistoryCursor history, string to, string environment, CancellationToken ct)
    {
        var index = -1;
        for (var i = 0; history.Ids.Contains(to, StringComparer.Ordinal) && await history.AtAsync(i, ct) is { } record; i++)
            if (record.Id == to)
            {
                index = i;
                break;
            }
        if (index < 0)
            throw new PipelineException(
                $"--to {to}: environment {environment} has no history record with that id. " +
                (history.Ids.Count == 0 ? "Its history is empty." : $"Recent records, newest first:\n{await RecentAsync(history, ct)}") +
                $"\nAll of them: ./build.sh History --profile <profile of {environment}>");
        var chosen = (await history.AtAsync(index, ct))!;
        if (!chosen.Succeeded)
            throw new PipelineException(
                $"--to {to}: that {chosen.Target} ended {chosen.Outcome}, so its images never ran as a whole; a rollback returns to a successful deploy. " +
                $"Recent records, newest first:\n{await RecentAsync(history, ct)}");
        return index;
    }

    /// <summary>Per service, the image of the newest successful record at or before <paramref name="index"/> that deployed it (promotion reads the same way).</summary>
    internal static async Task<IReadOnlyDictionary<string, (HistoryImage Image, string RecordId)>> ImagesAsOfAsync(
        DeployHistoryCursor history, int index, IReadOnlyList<string> services, CancellationToken ct)
    {
        var state = new Dictionary<string, (HistoryImage, string)>(StringComparer.Ordinal);
        for (var i = index; state.Count < services.Count && await history.AtAsync(i, ct) is { } record; i++)
        {
            if (!record.Succeeded)
                continue;
            foreach (var service in services.Where(s => !state.ContainsKey(s)))
                if (record.ImageOf(service) is { } image)
                    state[service] = (image, record.Id);
        }
        return state;
    }

    static async Task<string> RecentAsync(DeployHistoryCursor history, CancellationToken ct)
    {
        var table = new TextTable("Id", "Target", "Outcome", "Images");
        for (var i = 0; i < RecentShown && await history.AtAsync(i, ct) is { } record; i++)
            table.Add(record.Id, record.Target, record.Outcome, string.Join(", ", record.Services.Select(s => $"{s.Service} {s.Tag}")));
        return string.Join("\n", table.ToLines());
    }
}

/// <summary>
/// What a rollback does: the record it returns to, the services whose image changes, those already running that record's
/// image, and those no record up to it deployed (left as they run).
/// </summary>
public sealed record RollbackPlan(
    DeployHistoryRecord Target,
    IReadOnlyList<RollbackChange> Changes,
    IReadOnlyList<string> Unchanged,
    IReadOnlyList<string> Unknown);

/// <summary>One service going back: the tag it runs now, the image it gets, and the record that deployed that image.</summary>
public sealed record RollbackChange(string Service, string CurrentTag, HistoryImage Image, string FromRecord);
