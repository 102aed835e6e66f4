using Amazon.CDK.Assertions;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Support;

/// <summary>One environment synthesized to disk, read back for assertions.</summary>
public sealed class SynthesizedEnvironment
{
    public SynthesizedEnvironment(InfraOptions options, ServiceCatalog catalog, string directory)
    {
        Options = options;
        Catalog = catalog;
        Directory = directory;
        var app = InfraApp.CreateApp(directory);
        InfraApp.Build(app, options, catalog);
        app.Synth();
        RegistryJson = new TemplateJson(File.ReadAllText(RegistryTemplatePath));
        AppJson = new TemplateJson(File.ReadAllText(AppTemplatePath));
        Registry = Template.FromString(RegistryJson.Text);
        App = Template.FromString(AppJson.Text);
    }

    public InfraOptions Options { get; }

    public ServiceCatalog Catalog { get; }

    public string Directory { get; }

    public string RegistryTemplatePath => Path.Combine(Directory, DeploymentNames.RegistryStack(Options.Environment) + ".template.json");

    public string AppTemplatePath => Path.Combine(Directory, DeploymentNames.AppStack(Options.Environment) + ".template.json");

    public Template Registry { get; }

    public Template App { get; }

    public TemplateJson RegistryJson { get; }

    public TemplateJson AppJson { get; }

    public IEnumerable<ServiceManifest> Services => Catalog.Services;

    /// <summary>Logical id of the ALB whose listener serves the service's port.</summary>
    public string LoadBalancerOf(ServiceManifest service) =>
        TemplateJson.ReferencedId(AppJson.OfType("AWS::ElasticLoadBalancingV2::Listener")
            .Single(l => l.Properties.GetProperty("Port").GetInt32() == service.Port)
            .Properties.GetProperty("LoadBalancerArn"))!;

    /// <summary>Logical id of the ECS service whose load balancer entry names the service's container.</summary>
    public string EcsServiceOf(ServiceManifest service) =>
        AppJson.OfType("AWS::ECS::Service")
            .Single(s => s.Properties.GetProperty("LoadBalancers")[0].GetProperty("ContainerName").GetString() == service.Name)
            .Id;

    public System.Text.Json.JsonElement ContainerOf(ServiceManifest service) =>
        AppJson.OfType("AWS::ECS::TaskDefinition")
            .SelectMany(t => t.Properties.GetProperty("ContainerDefinitions").EnumerateArray())
            .Single(c => c.GetProperty("Name").GetString() == service.Name);
}
