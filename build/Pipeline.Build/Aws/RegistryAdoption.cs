using System.Text.Json.Nodes;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws;

/// <summary>
/// Brings ECR repositories that outlived their registry stack back under it before the stack is created again. The
/// repositories have fixed names and <c>DeletionPolicy: Retain</c>, so a registry stack deleted by hand or by an older
/// pipeline's Destroy leaves them behind, and creating the stack again fails on AWS with "already exists". CloudFormation
/// resource import takes them over instead: an IMPORT change set whose template holds only the repositories that exist
/// (an import may create, change or delete nothing else, and adds no outputs), then the ordinary update that creates the
/// rest and the outputs. The images in them stay as they are.
/// </summary>
public sealed class RegistryAdoption(CloudFormationClient cloudFormation, EcrClient ecr, StackDeployer deployer)
{
    /// <summary>Imports the plan's existing repositories when its stack is to be created; null when there is nothing to adopt.</summary>
    public async Task<RegistryImport?> AdoptAsync(StackPlan plan, bool dryRun, IStepLog log, CancellationToken ct)
    {
        var stack = await cloudFormation.DescribeStackAsync(plan.StackName, ct);
        // A stack in REVIEW_IN_PROGRESS has no resources yet; one in ROLLBACK_COMPLETE is deleted and created again.
        if (stack is not null && stack.Status is not ("REVIEW_IN_PROGRESS" or "ROLLBACK_COMPLETE"))
            return null;
        var template = await File.ReadAllTextAsync(plan.TemplatePath, ct);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var resource in RegistryImport.RetainedNamedResources(template))
            if (await ecr.RepositoryExistsAsync(resource.Name, ct))
                existing.Add(resource.Name);
        var import = RegistryImport.Plan(template, existing);
        if (import is null)
            return null;

        var names = string.Join(", ", import.Names);
        log.Info($"stack {plan.StackName} {(stack is null ? "does not exist" : $"is in {stack.Status}")}, but repositories of it do (retained when an earlier " +
                 $"stack was deleted): {(dryRun ? "would adopt" : "adopting")} {names} with their images by CloudFormation resource import, then deploying the rest of the stack.");
        var importTemplatePath = Path.Combine(Path.GetDirectoryName(plan.TemplatePath)!, $"{plan.StackName}.import.json");
        await File.WriteAllTextAsync(importTemplatePath, import.Template, ct);
        await deployer.DeployAsync(new StackDeployRequest(plan.StackName, importTemplatePath, new Dictionary<string, string>(), plan.Tags)
        {
            ResourcesToImport = import.Resources,
        }, dryRun, log, ct);
        if (!dryRun)
            log.Info($"stack {plan.StackName}: adopted {names}; CloudFormation does not compare an imported resource with its template, " +
                     $"so to see whether one was changed by hand since: aws cloudformation detect-stack-drift --stack-name {plan.StackName}");
        return import;
    }
}

/// <summary>
/// What an IMPORT change set of the registry stack sends: a template holding only the repositories to import (each with its
/// DeletionPolicy, as an import requires; no outputs: an import may not add them), and the identifier of each.
/// </summary>
public sealed record RegistryImport(string Template, IReadOnlyList<ResourceToImport> Resources)
{
    /// <summary>The resource types an import can find by a fixed name, and the identifier property that names them.</summary>
    static readonly IReadOnlyDictionary<string, string> Identifiers = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AWS::ECR::Repository"] = "RepositoryName",
    };

    public IReadOnlyList<string> Names => [.. Resources.SelectMany(r => r.ResourceIdentifier.Values)];

    /// <summary>The resources of <paramref name="template"/> that outlive their stack under a fixed name, so a new stack may meet them.</summary>
    public static IReadOnlyList<RetainedResource> RetainedNamedResources(string template)
    {
        var resources = JsonNode.Parse(template)?["Resources"]?.AsObject() ?? [];
        var retained = new List<RetainedResource>();
        foreach (var (logicalId, node) in resources)
        {
            var type = node?["Type"]?.GetValue<string>() ?? "";
            if (!Identifiers.TryGetValue(type, out var identifier))
                continue;
            if (node?["DeletionPolicy"]?.GetValue<string>() is not ("Retain" or "RetainExceptOnCreate"))
                continue;
            // A name made by a function (Ref, Join) is not known before the stack exists: nothing to look for.
            if (node["Properties"]?[identifier] is JsonValue name && name.TryGetValue<string>(out var value))
                retained.Add(new RetainedResource(logicalId, type, identifier, value));
        }
        return retained;
    }

    /// <summary>The import of those retained resources of <paramref name="template"/> whose names exist; null when none does.</summary>
    public static RegistryImport? Plan(string template, IReadOnlySet<string> existingNames)
    {
        var toImport = RetainedNamedResources(template).Where(r => existingNames.Contains(r.Name)).ToList();
        if (toImport.Count == 0)
            return null;
        var document = JsonNode.Parse(template)!.AsObject();
        var all = document["Resources"]!.AsObject();
        var kept = new JsonObject();
        foreach (var resource in toImport)
            kept[resource.LogicalId] = all[resource.LogicalId]!.DeepClone();
        document["Resources"] = kept;
        document.Remove("Outputs");
        return new RegistryImport(document.ToJsonString(),
            [.. toImport.Select(r => new ResourceToImport(r.Type, r.LogicalId, new Dictionary<string, string> { [r.IdentifierProperty] = r.Name }))]);
    }
}

/// <summary>A resource that stays when its stack is deleted, and the fixed name it keeps (<c>RepositoryName</c> = <c>apigw-dev/mcp</c>).</summary>
public sealed record RetainedResource(string LogicalId, string Type, string IdentifierProperty, string Name);
