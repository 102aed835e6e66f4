using Amazon.CDK;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// The CDK app: the stacks of one environment (registry, shared, one per service), synthesized without bootstrap
/// resources and byte-for-byte reproducibly.
/// </summary>
public sealed class InfraApp
{
    InfraApp(App app, RegistryStack? registry, EnvironmentStack? shared, IReadOnlyList<ServiceStack> services)
    {
        App = app;
        Registry = registry;
        Shared = shared;
        Services = services;
    }

    public App App { get; }

    public RegistryStack? Registry { get; }

    public EnvironmentStack? Shared { get; }

    /// <summary>The service stacks in deployment order (a used service's stack before its callers').</summary>
    public IReadOnlyList<ServiceStack> Services { get; }

    /// <param name="app">An app made by <see cref="CreateApp"/>; its context may already carry options.</param>
    public static InfraApp Build(App app, InfraOptions options, ServiceCatalog catalog)
    {
        var registry = options.Stacks.HasFlag(StackSelection.Registry)
            ? new RegistryStack(app, options, catalog, StackProps(options, "ECR repositories, one per service"))
            : null;
        var shared = options.Stacks.HasFlag(StackSelection.Shared)
            ? new EnvironmentStack(app, options, catalog, StackProps(options,
                $"VPC, cluster, HTTP API with VPC Link, stage and JWT authorizer,{(options.RunsOwnIssuer ? " Cognito token issuer," : "")} alarm topic: shared by the services"))
            : null;

        var services = new List<ServiceStack>();
        if (options.Stacks.HasFlag(StackSelection.Services))
        {
            var byName = new Dictionary<string, ServiceStack>(StringComparer.Ordinal);
            foreach (var service in catalog.InDeploymentOrder())
            {
                var stack = new ServiceStack(app, options, catalog, service,
                    StackProps(options, $"{service.Name}: ALB, Fargate service, autoscaling, alarms, routes"));
                // SSM parameters read by path create no dependency by themselves; these put the order into the cloud
                // assembly's manifest.json (a stack deploys after the stacks whose parameters it reads).
                if (shared is not null)
                    stack.AddDependency(shared, "reads the shared stack's SSM parameters");
                foreach (var used in service.Uses)
                    stack.AddDependency(byName[used], $"reads the ALB parameters of {used}");
                byName[service.Name] = stack;
                services.Add(stack);
            }
        }
        EnvironmentGuardrails.Apply(app, options.Environment, [.. new Stack?[] { registry, shared }.OfType<Stack>(), .. services]);
        return new InfraApp(app, registry, shared, services);
    }

    public static App CreateApp(string? outDirectory)
    {
        // Before the first construct starts the jsii runtime: node inherits this process's environment.
        JsiiEnvironment.ApplyToThisProcess();
        return NewApp(outDirectory);
    }

    static App NewApp(string? outDirectory) => new(new AppProps
    {
        Outdir = outDirectory,
        AnalyticsReporting = false,
        TreeMetadata = false,
        Context = new Dictionary<string, object>
        {
            ["aws:cdk:enable-path-metadata"] = false,
            ["aws:cdk:enable-asset-metadata"] = false,
            ["aws:cdk:disable-version-reporting"] = true,
        },
    });

    /// <summary>Logs of a throw-away environment go with it; production keeps them after a stack delete.</summary>
    internal static RemovalPolicy LogRemoval(InfraOptions options) =>
        options.Environment == "prod" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    static StackProps StackProps(InfraOptions options, string what) => new()
    {
        // No Env: account and region stay tokens, so AZs come from Fn::GetAZs and one template fits every region.
        Synthesizer = new BootstraplessSynthesizer(new BootstraplessSynthesizerProps()),
        AnalyticsReporting = false,
        Description = $"apigw {options.Environment}: {what}",
    };
}
