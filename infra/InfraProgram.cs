using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// The command line of the CDK app: parse options, load the manifests, synthesize. Every failure, including one thrown
/// inside the CDK (jsii) during synthesis, such as a stack over CloudFormation's 500-resource limit, ends as one
/// <c>error: &lt;message&gt;</c> on stderr and exit code 2, never a stack trace.
/// </summary>
public static class InfraProgram
{
    public const int Failed = 2;

    public static int Run(string[] args, TextWriter output, TextWriter errors)
    {
        try
        {
            var outFromCli = ValueOf(args, "--out");
            var app = InfraApp.CreateApp(outFromCli ?? (Environment.GetEnvironmentVariable("CDK_OUTDIR") is null ? DefaultOut(args) : null));
            var options = InfraOptions.Parse(args, key => app.Node.TryGetContext(key)?.ToString());

            var catalog = ServiceCatalog.Load(options.ServicesDirectory ?? ServiceCatalog.FindServicesDirectory());
            foreach (var unknown in options.ImageTags.Keys.Where(n => catalog.Find(n) is null))
                throw new InfraOptionsException($"--image names '{unknown}', which is not a service. Services: {string.Join(", ", catalog.Names)}.");
            foreach (var unknown in options.StrategyOverrides.Keys.Concat(options.BakeTimeOverrides.Keys)
                         .Where(n => n != InfraOptions.EveryService && catalog.Find(n) is null).Distinct())
                throw new InfraOptionsException(
                    $"--strategy or --bake-time names '{unknown}', which is not a service. Services: {string.Join(", ", catalog.Names)}; " +
                    "leave the name out (--strategy rolling) to apply it to every service.");
            if (options.Stacks.HasFlag(StackSelection.Services))
                foreach (var missing in catalog.Names.Where(n => !options.ImageTags.ContainsKey(n)))
                    errors.WriteLine($"note: no --image {missing}=<tag>: the template's {DeploymentNames.ImageTagParameter(missing)} parameter defaults to '{InfraOptions.UnsetImageTag}'; " +
                                     "the pipeline passes the real tag as a parameter when it deploys.");

            InfraApp.Build(app, options, catalog);
            var assembly = app.Synth();
            output.WriteLine($"Synthesized {string.Join(", ", assembly.Stacks.Select(s => s.StackName))} into {assembly.Directory}");
            return 0;
        }
        catch (Exception e)
        {
            errors.WriteLine("error: " + MessageOf(e));
            return Failed;
        }
    }

    /// <summary>
    /// The message without any stack trace: jsii errors carry the JavaScript stack after the message, and an
    /// unexpected .NET exception is named by its type.
    /// </summary>
    const string JavaScriptErrorPrefix = "Error: ";

    internal static string MessageOf(Exception e)
    {
        var lines = e.Message.ReplaceLineEndings("\n").Split('\n')
            .TakeWhile(line => !IsStackFrame(line))
            .Select(line => line.TrimEnd())
            .Where(line => line.Length > 0)
            .ToList();
        var message = lines.Count > 0 ? string.Join(" ", lines) : e.GetType().Name;
        // jsii rethrows a JavaScript error as a plain Exception whose message is the JS "Error: ..." string.
        if (message.StartsWith(JavaScriptErrorPrefix, StringComparison.Ordinal))
            message = message[JavaScriptErrorPrefix.Length..];
        return e.GetType() == typeof(Exception) || e is InfraOptionsException or ManifestException
            ? message
            : $"{message} ({e.GetType().Name})";
    }

    static bool IsStackFrame(string line)
    {
        var trimmed = line.TrimStart();
        return trimmed.StartsWith("at ", StringComparison.Ordinal) && line.Length > trimmed.Length;
    }

    static string? ValueOf(string[] args, string option)
    {
        var i = Array.IndexOf(args, option);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    static string DefaultOut(string[] args) =>
        Path.Combine(RepositoryRoot.Find(), "artifacts", "cdk.out", ValueOf(args, "--environment") ?? "dev");
}
