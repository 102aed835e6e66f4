using System.Text.RegularExpressions;

namespace Pipeline.Infra;

/// <summary>What to synthesize: one environment, its NAT profile and the image tags the pipeline pushed.</summary>
public sealed partial record InfraOptions
{
    public const string UnsetImageTag = "unset";

    /// <summary>What Docker accepts as a tag.</summary>
    public const string ImageTagPattern = "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$";

    public required string Environment { get; init; }

    /// <summary>NAT gateways: 1 keeps dev cheap, one per AZ (2) keeps prod up when an AZ fails.</summary>
    public int NatGateways { get; init; } = 1;

    /// <summary>
    /// Accepted so the pipeline can pass one parameter set everywhere; the templates stay
    /// region-agnostic (no account, no region, no AZ names), so the same template deploys anywhere.
    /// </summary>
    public string? Region { get; init; }

    /// <summary>Which stacks to synthesize: <c>registry</c>, <c>shared</c>, <c>services</c> or <c>all</c> (<c>app</c> = shared + services).</summary>
    public StackSelection Stacks { get; init; } = StackSelection.All;

    /// <summary>Immutable image tag per service name.</summary>
    public IReadOnlyDictionary<string, string> ImageTags { get; init; } = new Dictionary<string, string>();

    public string? OutDirectory { get; init; }

    public string? ServicesDirectory { get; init; }

    /// <summary>Optional SNS topic every alarm notifies.</summary>
    public string? AlarmTopicArn { get; init; }

    /// <summary>The pipeline's default for <see cref="KeepDeployedImages"/> (its KeepDeployedImages parameter).</summary>
    public const int DefaultKeepDeployedImages = 10;

    /// <summary>
    /// How many images tagged <c>deployed-&lt;history id&gt;</c> (the images of the last successful deploys) the ECR lifecycle
    /// policy keeps, whatever else it expires: the rollback path.
    /// </summary>
    public int KeepDeployedImages { get; init; } = DefaultKeepDeployedImages;

    public string ImageTagFor(string service) =>
        ImageTags.TryGetValue(service, out var tag) ? tag : UnsetImageTag;

    public static InfraOptions Parse(IReadOnlyList<string> args, Func<string, string?> context)
    {
        string? environment = context("environment");
        var natGateways = context("natGateways");
        string? region = context("region");
        string? stacks = null;
        string? outDir = null;
        string? servicesDir = null;
        string? alarmTopic = context("alarmTopicArn");
        var keepDeployed = context("keepDeployedImages");
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        // `cdk synth -c images=fastapi=abc,mcp=def` carries the same pairs as repeated --image options.
        foreach (var pair in (context("images") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            AddImage(images, pair);

        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count
                ? args[++i]
                : throw new InfraOptionsException($"Option {name} needs a value.");
            switch (name)
            {
                case "--environment": environment = Value(); break;
                case "--nat-gateways": natGateways = Value(); break;
                case "--region": region = Value(); break;
                case "--stack": stacks = Value(); break;
                case "--out": outDir = Value(); break;
                case "--services-dir": servicesDir = Value(); break;
                case "--alarm-topic-arn": alarmTopic = Value(); break;
                case "--image": AddImage(images, Value()); break;
                case "--keep-deployed-images": keepDeployed = Value(); break;
                default:
                    throw new InfraOptionsException(
                        $"Unknown option '{name}'. Options: --out, --environment, --nat-gateways, --region, --stack registry|shared|services|all, " +
                        "--image <service>=<tag>, --services-dir, --alarm-topic-arn, --keep-deployed-images <count>.");
            }
        }

        environment ??= "dev";
        if (!EnvironmentPattern().IsMatch(environment))
            throw new InfraOptionsException($"Environment '{environment}' must start with a lower-case letter and have at most 21 lower-case letters, digits and dashes (it becomes part of stack, repository and alarm names, which AWS limits in length).");

        var nat = 1;
        if (natGateways is not null && (!int.TryParse(natGateways, out nat) || nat is < 1 or > 2))
            throw new InfraOptionsException($"--nat-gateways '{natGateways}' must be 1 (one shared NAT, dev) or 2 (one per AZ, prod).");

        var keep = DefaultKeepDeployedImages;
        if (keepDeployed is not null && (!int.TryParse(keepDeployed, out keep) || keep < 1))
            throw new InfraOptionsException(
                $"--keep-deployed-images '{keepDeployed}' must be a whole number of at least 1: how many recent deploys' images the ECR lifecycle policy never expires.");

        foreach (var (service, tag) in images)
            if (!TagPattern().IsMatch(tag))
                throw new InfraOptionsException($"Image tag '{tag}' for {service} is not a valid Docker tag (letters, digits, '_', '.', '-'; at most 128).");

        return new InfraOptions
        {
            Environment = environment,
            NatGateways = nat,
            Region = region,
            Stacks = ParseStacks(stacks),
            ImageTags = images,
            OutDirectory = outDir,
            ServicesDirectory = servicesDir,
            AlarmTopicArn = string.IsNullOrWhiteSpace(alarmTopic) ? null : alarmTopic,
            KeepDeployedImages = keep,
        };
    }

    static void AddImage(Dictionary<string, string> images, string pair)
    {
        var eq = pair.IndexOf('=');
        if (eq <= 0 || eq == pair.Length - 1)
            throw new InfraOptionsException($"Image '{pair}' must look like <service>=<tag>, e.g. --image fastapi=3f2a9c1d0b7e.");
        images[pair[..eq]] = pair[(eq + 1)..];
    }

    static StackSelection ParseStacks(string? value) => value switch
    {
        null or "all" => StackSelection.All,
        "registry" => StackSelection.Registry,
        "shared" => StackSelection.Shared,
        "services" => StackSelection.Services,
        // The legacy layout's one application stack: now the shared stack and every service stack.
        "app" => StackSelection.App,
        _ => throw new InfraOptionsException(
            $"--stack '{value}' is not a stack selection; use registry, shared, services or all ('app' still means shared + services)."),
    };

    [GeneratedRegex("^[a-z][a-z0-9-]{0,20}$")]
    private static partial Regex EnvironmentPattern();

    [GeneratedRegex(ImageTagPattern)]
    private static partial Regex TagPattern();
}
