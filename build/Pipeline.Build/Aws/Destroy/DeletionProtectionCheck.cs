using System.Text.Json;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Destroy;

/// <summary>
/// Whether an environment may be destroyed at all: what of it refuses deletion, read from the templates its stacks run
/// (<c>GetTemplate</c>, read-only), and the profile's <c>DeletionProtection</c> setting. The CDK app writes both protections
/// (<c>--deletion-protection</c>): the Cognito user pool's <c>DeletionProtection: ACTIVE</c> and every ALB's
/// <c>deletion_protection.enabled</c>. CloudFormation deletes service stacks before the shared stack, so a Destroy that
/// started anyway would delete some stacks and then fail on the first protected resource, leaving half an environment:
/// Destroy refuses before it deletes anything instead, and says how to lift the protection.
/// </summary>
public static class DeletionProtectionCheck
{
    const string UserPoolType = "AWS::Cognito::UserPool";
    const string LoadBalancerType = "AWS::ElasticLoadBalancingV2::LoadBalancer";
    const string LoadBalancerAttribute = "deletion_protection.enabled";

    /// <summary>The protected resources of every stack in <paramref name="stacks"/>, stack by stack in deletion order.</summary>
    public static async Task<IReadOnlyList<ProtectedResource>> ReadAsync(CloudFormationClient cloudFormation, IReadOnlyList<StackToDelete> stacks, CancellationToken ct)
    {
        var found = new List<ProtectedResource>();
        foreach (var stack in stacks)
            if (await cloudFormation.GetTemplateAsync(stack.StackName, "Original", ct) is { } body)
                found.AddRange(In(stack.StackName, body));
        return found;
    }

    /// <summary>The resources of one template that refuse deletion; none for a template that is not JSON (the pipeline deploys JSON only).</summary>
    public static IReadOnlyList<ProtectedResource> In(string stackName, string templateBody)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(templateBody);
        }
        catch (JsonException)
        {
            return [];
        }
        using (document)
        {
            if (!document.RootElement.TryGetProperty("Resources", out var resources) || resources.ValueKind != JsonValueKind.Object)
                return [];
            var found = new List<ProtectedResource>();
            foreach (var resource in resources.EnumerateObject())
            {
                if (!resource.Value.TryGetProperty("Type", out var typeElement) || !resource.Value.TryGetProperty("Properties", out var properties))
                    continue;
                var type = typeElement.GetString();
                if (type == UserPoolType && properties.TryGetProperty("DeletionProtection", out var pool) && pool.ValueKind == JsonValueKind.String &&
                    pool.GetString() == "ACTIVE")
                    found.Add(new ProtectedResource(stackName, resource.Name, type, "DeletionProtection: ACTIVE"));
                else if (type == LoadBalancerType && properties.TryGetProperty("LoadBalancerAttributes", out var attributes) &&
                         attributes.ValueKind == JsonValueKind.Array &&
                         attributes.EnumerateArray().Any(a => Text(a, "Key") == LoadBalancerAttribute && Text(a, "Value") == "true"))
                    found.Add(new ProtectedResource(stackName, resource.Name, type, $"{LoadBalancerAttribute} = true"));
            }
            return found;
        }
    }

    static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>
    /// Throws the refusal when the environment is protected: a resource of <paramref name="protectedNow"/>, or the
    /// invocation's setting (<paramref name="settingOn"/>), which says the next Deploy would protect it again.
    /// </summary>
    /// <param name="destroyCommand">This Destroy as the user types it, e.g. <c>./build.sh Destroy --profile prod</c>.</param>
    public static void RefuseIfProtected(string environment, IReadOnlyList<ProtectedResource> protectedNow, bool settingOn, string destroyCommand)
    {
        if (protectedNow.Count == 0 && !settingOn)
            return;
        var deployCommand = destroyCommand.Replace("./build.sh Destroy", "./build.sh Deploy", StringComparison.Ordinal);
        var lines = new List<string>
        {
            $"Destroy refuses to delete environment {environment}: it is protected from deletion, and a Destroy now would delete " +
            "some stacks and then stop at the first protected resource, leaving half an environment. Nothing was deleted.",
        };
        if (protectedNow.Count > 0)
        {
            lines.Add("  Protected in AWS now:");
            lines.AddRange(protectedNow.Select(r => $"    {r.StackName}/{r.LogicalId} ({r.Type}): {r.Protection}"));
        }
        if (settingOn)
            lines.Add("  DeletionProtection is true for this run (the profile's .nuke/parameters.<profile>.json, or --deletion-protection): " +
                      "the next Deploy would protect it again.");
        lines.Add("To lift the protection: set \"DeletionProtection\": false in the profile (or pass --deletion-protection false to both commands), " +
                  $"run {deployCommand}, which turns it off on the user pool (DeletionProtection: INACTIVE, no longer retained: it and its users go " +
                  $"with the shared stack) and on every ALB, then run {destroyCommand} again.");
        throw new PipelineException(string.Join("\n", lines));
    }
}

/// <summary>One resource of a deployed stack that refuses deletion, and the setting that makes it refuse.</summary>
public sealed record ProtectedResource(string StackName, string LogicalId, string Type, string Protection);
