using Amazon.CDK;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>The CDK app: the stacks for one environment, synthesized without bootstrap resources and byte-for-byte reproducibly.</summary>
public sealed class InfraApp
{
    InfraApp(App app, RegistryStack? registry, ApplicationStack? application)
    {
        App = app;
        Registry = registry;
        Application = application;
    }

    public App App { get; }

    public RegistryStack? Registry { get; }

    public ApplicationStack? Application { get; }

    /// <param name="app">An app made by <see cref="CreateApp"/>; its context may already carry options.</param>
    public static InfraApp Build(App app, InfraOptions options, ServiceCatalog catalog)
    {
        var registry = options.Stacks.HasFlag(StackSelection.Registry)
            ? new RegistryStack(app, options, catalog, StackProps(options, "ECR repositories, one per service"))
            : null;
        var application = options.Stacks.HasFlag(StackSelection.App)
            ? new ApplicationStack(app, options, catalog, StackProps(options, "HTTP API, VPC Link, ALBs and Fargate services"))
            : null;
        return new InfraApp(app, registry, application);
    }

    public static App CreateApp(string? outDirectory) => new(new AppProps
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

    static StackProps StackProps(InfraOptions options, string what) => new()
    {
        // No Env: account and region stay tokens, so AZs come from Fn::GetAZs and one template fits every region.
        Synthesizer = new BootstraplessSynthesizer(new BootstraplessSynthesizerProps()),
        AnalyticsReporting = false,
        Description = $"apigw {options.Environment}: {what}",
    };
}
