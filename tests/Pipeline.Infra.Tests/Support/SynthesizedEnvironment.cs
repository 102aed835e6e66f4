using System.Text.Json;
using Amazon.CDK.Assertions;
using Pipeline.Build.Synthesis;
using Pipeline.Manifests;

namespace Pipeline.Infra.Tests.Support;

/// <summary>
/// One environment synthesized to disk (registry, shared and one stack per service), read back for assertions.
/// </summary>
public sealed class SynthesizedEnvironment
{
    readonly Dictionary<string, TemplateJson> _serviceJson = new(StringComparer.Ordinal);
    readonly Dictionary<string, Template> _serviceTemplates = new(StringComparer.Ordinal);

    public SynthesizedEnvironment(InfraOptions options, ServiceCatalog catalog, string directory)
    {
        Options = options;
        Catalog = catalog;
        Directory = directory;
        var app = InfraApp.CreateApp(directory);
        InfraApp.Build(app, options, catalog);
        app.Synth();

        RegistryJson = new TemplateJson(File.ReadAllText(RegistryTemplatePath));
        SharedJson = new TemplateJson(File.ReadAllText(SharedTemplatePath));
        Registry = Template.FromString(RegistryJson.Text);
        Shared = Template.FromString(SharedJson.Text);
        foreach (var service in catalog.Services)
        {
            var json = new TemplateJson(File.ReadAllText(ServiceTemplatePath(service)));
            _serviceJson[service.Name] = json;
            _serviceTemplates[service.Name] = Template.FromString(json.Text);
        }

        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "manifest.json")));
        Dependencies = manifest.RootElement.GetProperty("artifacts").EnumerateObject()
            .Where(a => a.Value.GetProperty("type").GetString() == "aws:cloudformation:stack")
            .ToDictionary(
                a => a.Name,
                a => (IReadOnlyList<string>)(a.Value.TryGetProperty("dependencies", out var d)
                    ? d.EnumerateArray().Select(x => x.GetString()!).ToList()
                    : []));
    }

    public InfraOptions Options { get; }

    public ServiceCatalog Catalog { get; }

    public string Directory { get; }

    public string Environment => Options.Environment;

    public IEnumerable<ServiceManifest> Services => Catalog.Services;

    public string TemplatePath(string stackName) => Path.Combine(Directory, stackName + ".template.json");

    public string RegistryTemplatePath => TemplatePath(DeploymentNames.RegistryStack(Environment));

    public string SharedTemplatePath => TemplatePath(DeploymentNames.SharedStack(Environment));

    public string ServiceTemplatePath(ServiceManifest service) => TemplatePath(DeploymentNames.ServiceStack(Environment, service.Name));

    /// <summary>Every template the app wrote: registry, shared, then one per service.</summary>
    public IReadOnlyList<string> TemplatePaths =>
        [RegistryTemplatePath, SharedTemplatePath, .. Services.Select(ServiceTemplatePath)];

    /// <summary>The shared stack and every service stack (everything the legacy <c>app</c> stack held), by stack name.</summary>
    public IEnumerable<(string StackName, TemplateJson Json)> ApplicationStacks =>
        Services.Select(s => (DeploymentNames.ServiceStack(Environment, s.Name), ServiceJson(s)))
            .Prepend((DeploymentNames.SharedStack(Environment), SharedJson));

    public Template Registry { get; }

    public TemplateJson RegistryJson { get; }

    public Template Shared { get; }

    public TemplateJson SharedJson { get; }

    public Template ServiceStack(ServiceManifest service) => _serviceTemplates[service.Name];

    public TemplateJson ServiceJson(ServiceManifest service) => _serviceJson[service.Name];

    /// <summary>Stack name → the stacks it depends on, as the cloud assembly's manifest.json lists them.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Dependencies { get; }

    /// <summary>The stack a template file of this environment holds (<c>apigw-dev-fastapi.template.json</c> → <c>apigw-dev-fastapi</c>).</summary>
    public static string StackNameOf(string templatePath) => Path.GetFileName(templatePath).Replace(".template.json", "", StringComparison.Ordinal);

    /// <summary>What the rules know about a template of this environment: its stack, the environment and these manifests.</summary>
    public TemplateContext RuleContext(string stackName) => new(stackName, Environment, Catalog);

    /// <summary>The security rules' verdict on one template file of this environment, as the SynthInfra step checks it.</summary>
    public IReadOnlyList<RuleViolation> RuleViolations(string templatePath)
    {
        using var template = JsonDocument.Parse(File.ReadAllText(templatePath));
        return TemplateRules.Check(template, RuleContext(StackNameOf(templatePath)));
    }

    /// <summary>Logical id of the log group the HTTP API stage writes its access log to (in the shared stack).</summary>
    public string AccessLogGroup =>
        TemplateJson.ReferencedId(SharedJson.OfType("AWS::ApiGatewayV2::Stage").Single().Properties.GetProperty("AccessLogSettings").GetProperty("DestinationArn"))!;

    /// <summary>Logical id of the service's ALB (in its own stack).</summary>
    public string LoadBalancerOf(ServiceManifest service) =>
        TemplateJson.ReferencedId(ServiceJson(service).OfType("AWS::ElasticLoadBalancingV2::Listener")
            .Single(l => l.Properties.GetProperty("Port").GetInt32() == service.Port)
            .Properties.GetProperty("LoadBalancerArn"))!;

    /// <summary>Logical id of the service's ECS service (in its own stack).</summary>
    public string EcsServiceOf(ServiceManifest service) =>
        ServiceJson(service).OfType("AWS::ECS::Service")
            .Single(s => s.Properties.GetProperty("LoadBalancers")[0].GetProperty("ContainerName").GetString() == service.Name)
            .Id;

    public JsonElement ContainerOf(ServiceManifest service) =>
        ServiceJson(service).OfType("AWS::ECS::TaskDefinition")
            .SelectMany(t => t.Properties.GetProperty("ContainerDefinitions").EnumerateArray())
            .Single(c => c.GetProperty("Name").GetString() == service.Name);

    /// <summary>Logical id of the security group on the service's ALB.</summary>
    public string AlbSecurityGroupOf(ServiceManifest service) =>
        TemplateJson.SecurityGroupsOf(ServiceJson(service).Resource(LoadBalancerOf(service)).GetProperty("Properties")).Single();

    /// <summary>Logical id of the security group on the service's tasks.</summary>
    public string TaskSecurityGroupOf(ServiceManifest service) =>
        TemplateJson.SecurityGroupsOf(ServiceJson(service).Resource(EcsServiceOf(service)).GetProperty("Properties")).Single();

    /// <summary>The shared stack's Cognito machine client (client credentials), found by its name.</summary>
    public (string Id, JsonElement Properties) MachineClient => CognitoClient("machine");

    /// <summary>The shared stack's Cognito client for interactive MCP clients, found by its name.</summary>
    public (string Id, JsonElement Properties) InteractiveClient => CognitoClient("interactive");

    (string Id, JsonElement Properties) CognitoClient(string kind) =>
        SharedJson.OfType("AWS::Cognito::UserPoolClient").Single(c => c.Properties.GetProperty("ClientName").GetString() == $"apigw-{Environment}-{kind}");

    /// <summary>The SSM parameters the stacks write (<c>AWS::SSM::Parameter</c>): path → the stack that writes it and the value.</summary>
    public IReadOnlyDictionary<string, (string StackName, JsonElement Value)> Parameters =>
        new[] { (DeploymentNames.RegistryStack(Environment), RegistryJson) }.Concat(ApplicationStacks)
            .SelectMany(stack => stack.Item2.PublishedParameters().Select(p => (Path: p.Key, StackName: stack.Item1, p.Value)))
            .ToDictionary(p => p.Path, p => (p.StackName, p.Value));
}
