using Pipeline.Infra;
using Pipeline.Manifests;

try
{
    var outFromCli = ValueOf(args, "--out");
    var app = InfraApp.CreateApp(outFromCli ?? (Environment.GetEnvironmentVariable("CDK_OUTDIR") is null ? DefaultOut(args) : null));
    var options = InfraOptions.Parse(args, key => app.Node.TryGetContext(key)?.ToString());

    var catalog = ServiceCatalog.Load(options.ServicesDirectory ?? ServiceCatalog.FindServicesDirectory());
    foreach (var unknown in options.ImageTags.Keys.Where(n => catalog.Find(n) is null))
        throw new InfraOptionsException($"--image names '{unknown}', which is not a service. Services: {string.Join(", ", catalog.Names)}.");
    if (options.Stacks.HasFlag(StackSelection.App))
        foreach (var missing in catalog.Names.Where(n => !options.ImageTags.ContainsKey(n)))
            Console.Error.WriteLine($"note: no --image {missing}=<tag>: the template's {DeploymentNames.ImageTagParameter(missing)} parameter defaults to '{InfraOptions.UnsetImageTag}'; " +
                                    "the pipeline passes the real tag as a parameter when it deploys.");

    InfraApp.Build(app, options, catalog);
    var assembly = app.Synth();
    Console.WriteLine($"Synthesized {string.Join(", ", assembly.Stacks.Select(s => s.StackName))} into {assembly.Directory}");
    return 0;
}
catch (Exception e) when (e is InfraOptionsException or ManifestException)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 2;
}

static string? ValueOf(string[] args, string option)
{
    var i = Array.IndexOf(args, option);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string DefaultOut(string[] args) =>
    Path.Combine(RepositoryRoot.Find(), "artifacts", "cdk.out", ValueOf(args, "--environment") ?? "dev");
