using System.Security.Cryptography;
using System.Text.Json;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.History;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Diff;

/// <summary>
/// The Diff step: what a Deploy would change in each stack of an environment, read-only. For every stack plan (the same
/// plans DeployInfra deploys) it reads the deployed template (<c>GetTemplate</c>, stage Original) and compares it with the
/// synthesized one, compares the planned parameters with the deployed ones, and lists the access the change would widen;
/// stacks that do not exist are listed as created, and stacks of the environment no plan names as no longer deployed.
/// It calls DescribeStacks (once, by the caller) and GetTemplate only: no change set, nothing created.
/// </summary>
public sealed class StackDiffer(CloudFormationClient cloudFormation)
{
    /// <summary>Stack states in which a Deploy creates the stack from scratch (nothing deployed to compare with).</summary>
    static readonly string[] CreatedFromScratch = ["REVIEW_IN_PROGRESS", "ROLLBACK_COMPLETE", "DELETE_COMPLETE"];

    public async Task<IReadOnlyList<StackDiff>> DiffAsync(
        IReadOnlyList<StackPlan> plans, IReadOnlyDictionary<string, StackDescription> deployed, ImageProvenance provenance, CancellationToken ct)
    {
        var diffs = (await Task.WhenAll(plans.Select(plan => DiffOneAsync(plan, deployed.GetValueOrDefault(plan.StackName), provenance, ct)))).ToList();
        NoteChangedDependencies(diffs);
        diffs.AddRange(NoLongerDeployed(plans, deployed));
        return diffs;
    }

    async Task<StackDiff> DiffOneAsync(StackPlan plan, StackDescription? stack, ImageProvenance provenance, CancellationToken ct)
    {
        var templateBytes = await File.ReadAllBytesAsync(plan.TemplatePath, ct);
        using var planned = JsonDocument.Parse(templateBytes);
        var notes = new List<string>();
        var state = StackDiffState.Updated;
        if (stack is null)
            state = StackDiffState.Created;
        else if (CreatedFromScratch.Contains(stack.Status))
        {
            state = StackDiffState.Created;
            notes.Add(stack.Status == "ROLLBACK_COMPLETE"
                ? "is in ROLLBACK_COMPLETE (its first create failed): Deploy deletes it and creates it again."
                : $"is in {stack.Status} (no template was ever applied): Deploy creates it.");
        }
        else if (stack.Status is "ROLLBACK_FAILED" or "UPDATE_ROLLBACK_FAILED" or "DELETE_FAILED")
            notes.Add($"is in {stack.Status}: Deploy stops on it until that is resolved (Deploy's message says how).");
        else if (stack.IsInProgress)
            notes.Add($"is busy ({stack.Status}): Deploy waits for it; compared with the template it has now.");

        JsonDocument? deployedTemplate = null;
        try
        {
            if (state == StackDiffState.Updated)
            {
                var body = await cloudFormation.GetTemplateAsync(plan.StackName, "Original", ct);
                if (body is null)
                    state = StackDiffState.Created;
                else
                {
                    try
                    {
                        deployedTemplate = JsonDocument.Parse(body);
                    }
                    catch (JsonException)
                    {
                        return new StackDiff(plan.StackName, plan.Label, StackDiffState.Unreadable, stack?.Status ?? "")
                        {
                            Notes = [.. notes, "its deployed template is not JSON (written by hand in YAML?), so it cannot be compared: Deploy would replace it with the synthesized template."],
                        };
                    }
                }
            }
            var old = deployedTemplate?.RootElement;
            var parameters = Parameters(plan, state == StackDiffState.Created ? null : stack, old, planned.RootElement, provenance);
            var template = TemplateDiffer.Compare(old, planned.RootElement,
                parameters.Where(p => p.Changed && !p.Hidden).Select(p => p.Name).ToList());
            var widenings = TemplateDiffAccess.Find(old, planned.RootElement);
            if (state == StackDiffState.Updated && !template.IsEmpty && !parameters.Any(p => p.Changed) &&
                stack!.Tags.GetValueOrDefault(StackSetDeployer.TemplateHashTag) == Convert.ToHexStringLower(SHA256.HashData(templateBytes)))
                notes.Add($"its {StackSetDeployer.TemplateHashTag} tag names this very template, so the differences above were made outside the pipeline " +
                          "and Deploy skips the stack as deployed; change the template (or remove the tag) to have Deploy apply it.");
            return new StackDiff(plan.StackName, plan.Label, state, stack?.Status ?? "")
            {
                Template = template,
                Parameters = parameters,
                Widenings = widenings,
                Notes = notes,
                DependsOn = plan.DependsOn,
            };
        }
        finally
        {
            deployedTemplate?.Dispose();
        }
    }

    /// <summary>
    /// The parameters a Deploy would pass, against the stack's: those the plan sets (image tags), and those left to the
    /// template's default. Not compared: parameters the plan reads from what runs at deploy time (a service's desired
    /// count) and SSM-typed ones (their path is part of the template; the value behind it is read at deploy time).
    /// </summary>
    internal static IReadOnlyList<ParameterDiff> Parameters(StackPlan plan, StackDescription? stack, JsonElement? deployed, JsonElement planned, ImageProvenance provenance)
    {
        var declared = TemplateDiffer.Section(planned, "Parameters");
        var noEcho = TemplateDiffer.NoEchoParameters(planned)
            .Concat(deployed is { } d ? TemplateDiffer.NoEchoParameters(d) : []).ToHashSet(StringComparer.Ordinal);
        var imageParameter = DeploymentNames.ImageTagParameter(plan.Label);
        var diffs = new List<ParameterDiff>();
        foreach (var (name, declaration) in declared)
        {
            string? value;
            if (plan.Parameters.TryGetValue(name, out var set))
                value = set;
            else if (stack is null || plan.LiveParameters is not null ||
                     TemplateDiffer.Member(declaration, "Type") is { ValueKind: JsonValueKind.String } type && type.GetString()!.StartsWith("AWS::SSM::Parameter::", StringComparison.Ordinal))
                continue;
            else
                value = TemplateDiffer.Member(declaration, "Default") is { } fallback ? TemplateReferences.Readable(fallback) : null;
            var old = stack?.Parameters.TryGetValue(name, out var current) == true ? current : null;
            if (noEcho.Contains(name))
            {
                // Its value is never shown, and DescribeStacks masks the deployed one: a change cannot be told.
                diffs.Add(new ParameterDiff(name, null, null) { Hidden = true, Changed = old is null });
                continue;
            }
            if (old == value)
                continue;
            var isImage = name == imageParameter;
            diffs.Add(new ParameterDiff(name, old, value)
            {
                Changed = true,
                Service = isImage ? plan.Label : null,
                OldCommit = isImage && old is not null ? provenance.DeployedCommit(plan.Label, old) : null,
                NewCommit = isImage && value is not null ? provenance.CheckoutCommit : null,
            });
        }
        if (stack is not null)
            foreach (var (name, old) in stack.Parameters.Where(p => !declared.ContainsKey(p.Key)))
                diffs.Add(noEcho.Contains(name) ? new ParameterDiff(name, null, null) { Hidden = true, Changed = true } : new ParameterDiff(name, old, null) { Changed = true });
        return diffs;
    }

    /// <summary>A stack reads the SSM parameters its dependencies write; where a Deploy changes those, say so.</summary>
    static void NoteChangedDependencies(List<StackDiff> diffs)
    {
        var byName = diffs.ToDictionary(d => d.StackName, StringComparer.Ordinal);
        for (var i = 0; i < diffs.Count; i++)
        {
            var publishing = diffs[i].DependsOn
                .Select(byName.GetValueOrDefault)
                .Where(d => d is not null && d.Template.Resources.Any(r => r.Type == "AWS::SSM::Parameter"))
                .Select(d => d!.Label)
                .ToList();
            if (publishing.Count > 0 && diffs[i].State == StackDiffState.Updated)
                diffs[i] = diffs[i] with
                {
                    Notes = [.. diffs[i].Notes, $"reads SSM parameters that this deploy changes in {string.Join(", ", publishing)}: " +
                                                "CloudFormation resolves them at deploy time, so its resources may change beyond what is listed."],
                };
        }
    }

    /// <summary>Stacks carrying the environment's tags (or the earlier single-stack layout's name) that no plan names.</summary>
    static IEnumerable<StackDiff> NoLongerDeployed(IReadOnlyList<StackPlan> plans, IReadOnlyDictionary<string, StackDescription> deployed)
    {
        if (plans.Count == 0)
            yield break;
        var planned = plans.Select(p => p.StackName).ToHashSet(StringComparer.Ordinal);
        var tags = plans[0].Tags;
        var environment = tags.GetValueOrDefault("apigw:environment");
        var legacy = environment is null ? null : DeploymentNames.AppStack(environment);
        foreach (var stack in deployed.Values.Where(s => !planned.Contains(s.StackName)).OrderBy(s => s.StackName, StringComparer.Ordinal))
        {
            if (stack.StackName == legacy)
                yield return new StackDiff(stack.StackName, "legacy", StackDiffState.NoLongerDeployed, stack.Status)
                {
                    Notes = ["holds the whole environment in the earlier single-stack layout: Deploy refuses to run next to it and says how to move it."],
                };
            else if (tags.Count > 0 && tags.All(t => stack.Tags.GetValueOrDefault(t.Key) == t.Value))
                yield return new StackDiff(stack.StackName, stack.StackName, StackDiffState.NoLongerDeployed, stack.Status)
                {
                    Notes = ["carries this environment's tags, but no service or stack of this checkout deploys it (a service folder removed?): " +
                             "Deploy leaves it as it is; delete it once nothing uses it."],
                };
        }
    }
}

public enum StackDiffState
{
    /// <summary>The stack exists; Deploy would update it (or find nothing to do).</summary>
    Updated,

    /// <summary>Deploy would create the stack (it does not exist, or only as a failed first create).</summary>
    Created,

    /// <summary>The stack exists with this environment's tags, but Deploy no longer deploys it.</summary>
    NoLongerDeployed,

    /// <summary>The deployed template could not be read as JSON.</summary>
    Unreadable,
}

/// <summary>What a Deploy would change in one stack.</summary>
public sealed record StackDiff(string StackName, string Label, StackDiffState State, string Status)
{
    public TemplateDiff Template { get; init; } = new([], [], []);

    public IReadOnlyList<ParameterDiff> Parameters { get; init; } = [];

    public IReadOnlyList<AccessWidening> Widenings { get; init; } = [];

    /// <summary>What else a reader should know about the stack (its state, how Deploy treats it).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public IReadOnlyList<string> DependsOn { get; init; } = [];

    public bool HasChanges => State != StackDiffState.Updated || !Template.IsEmpty || Parameters.Any(p => p.Changed);
}

/// <summary>
/// One stack parameter whose value a Deploy would change: old (null: not set before), new (null: no longer set).
/// A NoEcho parameter is <see cref="Hidden"/>: neither value is ever shown.
/// </summary>
public sealed record ParameterDiff(string Name, string? Old, string? New)
{
    public bool Hidden { get; init; }

    /// <summary>False for a NoEcho parameter whose change cannot be told (DescribeStacks masks its value).</summary>
    public bool Changed { get; init; }

    /// <summary>The service whose image tag this parameter carries, if it is one.</summary>
    public string? Service { get; init; }

    /// <summary>The commit the old image tag was built from, when the deploy history knows it.</summary>
    public string? OldCommit { get; init; }

    /// <summary>The commit of this checkout, which the new image tag is computed from.</summary>
    public string? NewCommit { get; init; }
}

/// <summary>
/// Where image tags come from: the checkout the new ones are computed in (its commit as the deploy history records it,
/// <see cref="HistorySource.Short"/>: <c>git rev-parse</c>, with <c>+dirty</c> when <c>git status --porcelain</c> lists
/// anything), and, for a deployed tag, the commit a recorded deploy built it from (null when nothing records it).
/// </summary>
public sealed record ImageProvenance(string? CheckoutCommit, Func<string, string, string?> DeployedCommit)
{
    public static ImageProvenance Unknown { get; } = new(null, (_, _) => null);

    /// <summary>
    /// The checkout's commit (+ <c>+dirty</c>), or null when <paramref name="directory"/> is not the top of a git checkout
    /// (a copy, a folder inside another repository) or git is missing.
    /// </summary>
    public static async Task<string?> CheckoutCommitAsync(string directory, CancellationToken ct)
    {
        if (ChildProcess.FindOnPath("git") is null)
            return null;
        // --show-prefix is the directory's path inside the checkout: empty at its top.
        var head = await ChildProcess.RunAsync("git", ["rev-parse", "--show-prefix", "HEAD"], directory, null, (_, _) => { }, ct);
        if (head.ExitCode != 0 || head.StandardOutput is not [var prefix, var commit] || prefix.Trim().Length > 0)
            return null;
        var status = await ChildProcess.RunAsync("git", ["status", "--porcelain"], directory, null, (_, _) => { }, ct);
        return new HistorySource(commit.Trim(), status.ExitCode == 0 ? status.StandardOutput.Any(l => l.Length > 0) : null).Short();
    }
}
