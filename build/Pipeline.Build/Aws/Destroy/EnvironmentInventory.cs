using Pipeline.Build.Aws.Clients;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Destroy;

/// <summary>
/// What of an environment exists in the account and region, read without changing anything: its stacks in the order they
/// are deleted, its ECR repositories with their image counts, and its objects in the template bucket (its stacks' templates
/// and its deploy history).
/// <para>
/// Order: service stacks first, a service's stack only after the stacks of the services that use it (the reverse of the
/// catalog's deployment order; independent ones may go together), then the shared stack, then the registry stack. A stack
/// of this environment whose service folder is gone, and the earlier single <c>apigw-&lt;env&gt;-app</c> stack, go with the
/// first service stacks: nothing in the catalog reads them.
/// </para>
/// </summary>
public sealed record EnvironmentInventory(
    string Environment,
    IReadOnlyList<StackToDelete> Stacks,
    IReadOnlyList<RepositoryContents> Repositories,
    TemplateBucketContents? Templates)
{
    public const string EnvironmentTag = "apigw:environment";

    /// <summary>Where the environment's deploy history lives in the template bucket (the deploy history's records, one object each).</summary>
    public static string HistoryPrefix(string environment) => $"history/{environment}/";

    /// <summary>The environment's objects in the template bucket: its stacks' templates and its deploy history.</summary>
    public IReadOnlyList<string> TemplateKeys => Templates?.EnvironmentKeys ?? [];

    public int HistoryRecords => TemplateKeys.Count(key => key.StartsWith(HistoryPrefix(Environment), StringComparison.Ordinal));

    public static async Task<EnvironmentInventory> ReadAsync(
        CloudFormationClient cloudFormation, EcrRepositories ecr, TemplateStore? templateStore, string environment, ServiceCatalog catalog, CancellationToken ct)
    {
        var deployed = await cloudFormation.DescribeAllStacksAsync(ct);
        var stacks = StacksToDelete(deployed, environment, catalog);

        var repositories = new List<RepositoryContents>();
        foreach (var repository in await ecr.ListAsync(DeploymentNames.RepositoryNamespace(environment) + "/", ct))
            repositories.Add(new RepositoryContents(repository.Name, await ecr.CountImagesAsync(repository.Name, ct)));

        // Templates are kept under <stack>/: those of every stack this environment has, or had (a service's, say).
        var stackNames = new HashSet<string>(StringComparer.Ordinal)
        {
            DeploymentNames.RegistryStack(environment), DeploymentNames.SharedStack(environment), DeploymentNames.AppStack(environment),
        };
        stackNames.UnionWith(catalog.Names.Select(service => DeploymentNames.ServiceStack(environment, service)));
        stackNames.UnionWith(stacks.Select(s => s.StackName));
        var templates = templateStore is null ? null : await templateStore.ReadContentsAsync(stackNames, [HistoryPrefix(environment)], ct);
        return new EnvironmentInventory(environment, stacks, repositories, templates);
    }

    /// <summary>The environment's stacks in deletion order, each with the stacks that must be gone before it.</summary>
    public static IReadOnlyList<StackToDelete> StacksToDelete(IReadOnlyDictionary<string, StackDescription> deployed, string environment, ServiceCatalog catalog)
    {
        var registry = DeploymentNames.RegistryStack(environment);
        var shared = DeploymentNames.SharedStack(environment);
        var app = DeploymentNames.AppStack(environment);
        var known = new HashSet<string>(StringComparer.Ordinal) { registry, shared, app };
        known.UnionWith(catalog.Names.Select(s => DeploymentNames.ServiceStack(environment, s)));

        var first = new List<StackToDelete>();
        // Stacks the pipeline made for this environment whose service is no longer under services/: nothing reads them.
        var prefix = DeploymentNames.ServiceStack(environment, "");
        foreach (var stack in deployed.Values.Where(s => !known.Contains(s.StackName) && s.StackName.StartsWith(prefix, StringComparison.Ordinal) &&
                                                         s.Tags.GetValueOrDefault(EnvironmentTag) == environment).OrderBy(s => s.StackName, StringComparer.Ordinal))
            first.Add(new StackToDelete(stack.StackName, stack.StackName[prefix.Length..], StackRole.Service, stack.Status, []));
        if (deployed.TryGetValue(app, out var legacy))
            first.Add(new StackToDelete(app, "app", StackRole.LegacyApp, legacy.Status, []));

        var services = new List<StackToDelete>();
        foreach (var service in catalog.InDeploymentOrder().Reverse())
        {
            var name = DeploymentNames.ServiceStack(environment, service.Name);
            if (!deployed.TryGetValue(name, out var stack))
                continue;
            var users = catalog.Services.Where(s => s.Uses.Contains(service.Name, StringComparer.Ordinal))
                .Select(s => DeploymentNames.ServiceStack(environment, s.Name))
                .Where(deployed.ContainsKey)
                .ToList();
            services.Add(new StackToDelete(name, service.Name, StackRole.Service, stack.Status, users));
        }

        var ordered = new List<StackToDelete>([.. first, .. services]);
        if (deployed.TryGetValue(shared, out var sharedStack))
            ordered.Add(new StackToDelete(shared, "shared", StackRole.Shared, sharedStack.Status, ordered.Select(s => s.StackName).ToList()));
        if (deployed.TryGetValue(registry, out var registryStack))
            ordered.Add(new StackToDelete(registry, "registry", StackRole.Registry, registryStack.Status, ordered.Select(s => s.StackName).ToList()));
        return ordered;
    }
}

/// <summary>One ECR repository of the environment and how many images it holds.</summary>
public sealed record RepositoryContents(string Name, int Images)
{
    public string DescribeImages() => Images == 1 ? "1 image" : $"{Images} images";
}
