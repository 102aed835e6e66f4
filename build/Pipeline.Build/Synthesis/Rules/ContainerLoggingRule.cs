using System.Text.Json;

namespace Pipeline.Build.Synthesis.Rules;

/// <summary>Every container ships its output somewhere; a task without logs cannot be debugged after it dies.</summary>
public sealed class ContainerLoggingRule : ITemplateRule
{
    public string Id => "Pipeline-ECS7";

    public string Description => "Every container definition has a log configuration.";

    public IEnumerable<RuleViolation> Check(IReadOnlyList<TemplateResource> resources, TemplateContext context)
    {
        foreach (var task in resources.Where(r => r.Type == "AWS::ECS::TaskDefinition"))
            foreach (var container in task.Items("ContainerDefinitions"))
            {
                var logs = container.TryGetProperty("LogConfiguration", out var config) &&
                           config.TryGetProperty("LogDriver", out var driver) &&
                           driver.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(driver.GetString());
                if (!logs)
                {
                    var name = container.TryGetProperty("Name", out var n) ? n.GetString() : "(unnamed)";
                    yield return new RuleViolation(Id, task.LogicalId,
                        $"container '{name}' has no LogConfiguration. Give it the awslogs driver and a log group.");
                }
            }
    }
}
