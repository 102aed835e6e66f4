using System.Text.RegularExpressions;
using Pipeline.Manifests;

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
    /// Accepted so the pipeline can pass one parameter set everywhere; the templates name no account, no region and no AZ
    /// name. Only <see cref="AvailabilityZoneIds"/>, when given, ties the shared stack to the region those zones are in.
    /// </summary>
    public string? Region { get; init; }

    /// <summary>
    /// The zone IDs (<c>use1-az1</c>, not names such as <c>us-east-1a</c>, which differ per account) of the VPC's subnets,
    /// one per AZ of <see cref="Network.AvailabilityZones"/>, in subnet order. The pipeline chooses them among the zones
    /// HTTP API VPC links support. Empty: the subnets take the region's first zones (<c>Fn::GetAZs</c>), which may
    /// include one that VPC links do not support; a deploy never synthesizes that way.
    /// </summary>
    public IReadOnlyList<string> AvailabilityZoneIds { get; init; } = [];

    /// <summary>Which stacks to synthesize: <c>registry</c>, <c>shared</c>, <c>services</c> or <c>all</c> (<c>app</c> = shared + services).</summary>
    public StackSelection Stacks { get; init; } = StackSelection.All;

    /// <summary>Immutable image tag per service name.</summary>
    public IReadOnlyDictionary<string, string> ImageTags { get; init; } = new Dictionary<string, string>();

    public string? OutDirectory { get; init; }

    public string? ServicesDirectory { get; init; }

    /// <summary>
    /// Issuer of an identity provider of the team's own (Entra, Auth0, Okta, a Cognito pool elsewhere) whose tokens the API
    /// accepts. Null: the shared stack creates a Cognito user pool with a machine-to-machine client and trusts that.
    /// </summary>
    public string? JwtIssuer { get; init; }

    /// <summary>The audience (<c>aud</c>, or for Cognito access tokens <c>client_id</c>) tokens of <see cref="JwtIssuer"/> carry for this API.</summary>
    public string? JwtAudience { get; init; }

    /// <summary>
    /// Where the Cognito app client for interactive MCP clients may send a browser back after sign-in (its <c>CallbackURLs</c>;
    /// Cognito matches them exactly). Used only when the environment runs its own issuer. Default:
    /// <see cref="DefaultMcpCallbackUrls"/>.
    /// </summary>
    public IReadOnlyList<string> McpCallbackUrls { get; init; } = DefaultMcpCallbackUrls;

    /// <summary>
    /// The redirect URIs the common MCP clients document, as Cognito accepts them: https, a custom scheme, or plain http only
    /// on <c>localhost</c> (Cognito refuses <c>http://127.0.0.1</c>, so the loopback ones are written with <c>localhost</c>).
    /// </summary>
    public static IReadOnlyList<string> DefaultMcpCallbackUrls { get; } =
    [
        // VS Code: its loopback listener on port 33418 and its https relay, which it falls back to when the port is taken
        // (the redirect_uris it registers dynamically: microsoft/vscode issue 278512).
        "http://localhost:33418/",
        "https://vscode.dev/redirect",
        // MCP Inspector (npx @modelcontextprotocol/inspector, UI on port 6274): its quick and its guided OAuth flow.
        "http://localhost:6274/oauth/callback",
        "http://localhost:6274/oauth/callback/debug",
        // Claude (claude.ai and Claude Desktop custom connectors, which take an OAuth client id under advanced settings).
        "https://claude.ai/api/mcp/auth_callback",
        "https://claude.com/api/mcp/auth_callback",
        // Claude Code listens on http://localhost:<port>/callback; this port when started with --callback-port 33419.
        "http://localhost:33419/callback",
        // Cursor: its custom scheme, and the loopback listener of newer desktop builds.
        "cursor://anysphere.cursor-mcp/oauth/callback",
        "http://localhost:8787/callback",
    ];

    /// <summary>Cognito's limit on an app client's callback URLs.</summary>
    public const int MaxCallbackUrls = 100;

    /// <summary>E-mail address subscribed to the environment's alarm topic (AWS sends a confirmation mail first).</summary>
    public string? AlarmEmail { get; init; }

    /// <summary>HTTPS endpoint subscribed to the environment's alarm topic (a chat or paging webhook; it must confirm the subscription).</summary>
    public string? AlarmHttpsEndpoint { get; init; }

    /// <summary>
    /// Protects what cannot be rebuilt from the templates (prod's profile turns it on): the Cognito user pool gets
    /// <c>DeletionProtection: ACTIVE</c> and is retained when its stack goes (its users are in it), and every ALB gets
    /// <c>deletion_protection.enabled</c>. Off: the pool is <c>INACTIVE</c> and goes with its stack, the ALBs say <c>false</c>
    /// explicitly, so a deploy with it off lifts a protection an earlier deploy set (CloudFormation leaves an attribute
    /// that is only dropped from a template as it was). The pipeline's Destroy refuses while either is on.
    /// </summary>
    public bool DeletionProtection { get; init; }

    /// <summary>Whether the environment runs its own issuer (a Cognito user pool) rather than trusting <see cref="JwtIssuer"/>.</summary>
    public bool RunsOwnIssuer => JwtIssuer is null;

    /// <summary>The pipeline's default for <see cref="KeepDeployedImages"/> (its KeepDeployedImages parameter).</summary>
    public const int DefaultKeepDeployedImages = 10;

    /// <summary>
    /// How many images tagged <c>deployed-&lt;history id&gt;</c> (the images of the last successful deploys) the ECR lifecycle
    /// policy keeps, whatever else it expires: the rollback path.
    /// </summary>
    public int KeepDeployedImages { get; init; } = DefaultKeepDeployedImages;

    public string ImageTagFor(string service) =>
        ImageTags.TryGetValue(service, out var tag) ? tag : UnsetImageTag;

    /// <summary>
    /// This synth's deployment strategy per service (the pipeline's <c>--strategy</c>), replacing the manifest's; the key
    /// <see cref="EveryService"/> applies to every service without an entry of its own. Empty: every manifest's own.
    /// </summary>
    public IReadOnlyDictionary<string, string> StrategyOverrides { get; init; } = new Dictionary<string, string>();

    /// <summary>This synth's bake time in minutes per service (the pipeline's <c>--bake-time</c>), keyed like <see cref="StrategyOverrides"/>.</summary>
    public IReadOnlyDictionary<string, int> BakeTimeOverrides { get; init; } = new Dictionary<string, int>();

    /// <summary>The key of <see cref="StrategyOverrides"/> and <see cref="BakeTimeOverrides"/> for every service: <c>--strategy canary</c>.</summary>
    public const string EveryService = "*";

    /// <summary>How <paramref name="service"/> rolls out in the templates: its manifest's strategy with this synth's overrides applied.</summary>
    public RolloutStrategy RolloutFor(ServiceManifest service) =>
        service.Deployment.With(
            StrategyOverrides.TryGetValue(service.Name, out var own) ? own : StrategyOverrides.GetValueOrDefault(EveryService),
            BakeTimeOverrides.TryGetValue(service.Name, out var minutes) ? minutes :
            BakeTimeOverrides.TryGetValue(EveryService, out var everyMinutes) ? everyMinutes : null);

    public static InfraOptions Parse(IReadOnlyList<string> args, Func<string, string?> context)
    {
        var environment = context("environment");
        var natGateways = context("natGateways");
        var region = context("region");
        string? stacks = null;
        string? outDir = null;
        string? servicesDir = null;
        var jwtIssuer = context("jwtIssuer");
        var jwtAudience = context("jwtAudience");
        var alarmEmail = context("alarmEmail");
        var alarmHttpsEndpoint = context("alarmHttpsEndpoint");
        var keepDeployed = context("keepDeployedImages");
        var deletionProtection = context("deletionProtection");
        // `cdk synth -c availabilityZoneIds=use1-az1,use1-az2` carries the same list as repeated --availability-zone-id options.
        var zoneIds = (context("availabilityZoneIds") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var zoneIdsFromArguments = new List<string>();
        // `cdk synth -c mcpCallbackUrls=a,b` carries the same list as repeated --mcp-callback-url options.
        var callbackUrls = (context("mcpCallbackUrls") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var callbackUrlsFromArguments = new List<string>();
        // `cdk synth -c strategy=rolling` (every service) or `-c strategy=fastapi=rolling,mcp=canary` (per service), likewise
        // bakeTime: the same values as repeated --strategy / --bake-time options.
        var strategies = new List<string>(List(context("strategy")));
        var bakeTimes = new List<string>(List(context("bakeTime")));
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
                case "--jwt-issuer": jwtIssuer = Value(); break;
                case "--jwt-audience": jwtAudience = Value(); break;
                case "--alarm-email": alarmEmail = Value(); break;
                case "--alarm-https-endpoint": alarmHttpsEndpoint = Value(); break;
                case "--image": AddImage(images, Value()); break;
                case "--keep-deployed-images": keepDeployed = Value(); break;
                case "--mcp-callback-url": callbackUrlsFromArguments.Add(Value().Trim()); break;
                case "--deletion-protection": deletionProtection = Value(); break;
                case "--availability-zone-id": zoneIdsFromArguments.Add(Value().Trim()); break;
                case "--strategy": strategies.Add(Value().Trim()); break;
                case "--bake-time": bakeTimes.Add(Value().Trim()); break;
                default:
                    throw new InfraOptionsException(
                        $"Unknown option '{name}'. Options: --out, --environment, --nat-gateways, --region, --stack registry|shared|services|all, " +
                        "--image <service>=<tag>, --services-dir, --keep-deployed-images <count>, --jwt-issuer <url>, --jwt-audience <audience>, " +
                        "--alarm-email <address>, --alarm-https-endpoint <url>, --mcp-callback-url <url> (repeatable), --deletion-protection true|false, --availability-zone-id <zone id> (twice), " +
                        "--strategy [<service>=]rolling|blue-green|canary|linear, --bake-time [<service>=]<minutes>.");
            }
        }

        environment ??= "dev";
        if (DeploymentNames.EnvironmentNameProblem(environment) is { } badName)
            throw new InfraOptionsException($"--environment {badName}");

        var nat = 1;
        if (natGateways is not null && (!int.TryParse(natGateways, out nat) || nat is < 1 or > 2))
            throw new InfraOptionsException($"--nat-gateways '{natGateways}' must be 1 (one shared NAT, dev) or 2 (one per AZ, prod).");

        var keep = DefaultKeepDeployedImages;
        if (keepDeployed is not null && (!int.TryParse(keepDeployed, out keep) || keep < 1))
            throw new InfraOptionsException(
                $"--keep-deployed-images '{keepDeployed}' must be a whole number of at least 1: how many recent deploys' images the ECR lifecycle policy never expires.");

        var protect = false;
        if (NullIfBlank(deletionProtection) is { } protection && !bool.TryParse(protection, out protect))
            throw new InfraOptionsException(
                $"--deletion-protection '{protection}' must be true (protect the user pool and the ALBs from deletion, as prod does) or false.");

        jwtIssuer = NullIfBlank(jwtIssuer);
        jwtAudience = NullIfBlank(jwtAudience);
        if (jwtIssuer is not null && !IsHttpsUrl(jwtIssuer))
            throw new InfraOptionsException(
                $"--jwt-issuer '{jwtIssuer}' must be the https URL of your identity provider's issuer (the 'iss' of its tokens, e.g. https://login.microsoftonline.com/<tenant>/v2.0); API Gateway accepts only https issuers.");
        if ((jwtIssuer is null) != (jwtAudience is null))
            throw new InfraOptionsException(jwtIssuer is null
                ? $"--jwt-audience '{jwtAudience}' is set without --jwt-issuer. Pass both (your identity provider's issuer and the audience its tokens carry for this API), or neither to let the environment run its own Cognito issuer."
                : $"--jwt-issuer '{jwtIssuer}' needs --jwt-audience: the audience its tokens carry for this API (the 'aud' claim; for a Cognito pool, the app client id).");

        alarmEmail = NullIfBlank(alarmEmail);
        alarmHttpsEndpoint = NullIfBlank(alarmHttpsEndpoint);
        if (alarmEmail is not null && !EmailPattern().IsMatch(alarmEmail))
            throw new InfraOptionsException($"--alarm-email '{alarmEmail}' is not an e-mail address (name@domain).");
        if (alarmHttpsEndpoint is not null && !IsHttpsUrl(alarmHttpsEndpoint))
            throw new InfraOptionsException($"--alarm-https-endpoint '{alarmHttpsEndpoint}' must be an https URL; SNS delivers alarms to it with a POST.");

        // Options replace the context's list rather than add to it, as every other option does.
        if (callbackUrlsFromArguments.Count > 0)
            callbackUrls = callbackUrlsFromArguments;
        var mcpCallbackUrls = callbackUrls.Count > 0 ? callbackUrls.Distinct(StringComparer.Ordinal).ToList() : DefaultMcpCallbackUrls;
        if (mcpCallbackUrls.Count > MaxCallbackUrls)
            throw new InfraOptionsException(
                $"{mcpCallbackUrls.Count} MCP callback URLs are more than the {MaxCallbackUrls} a Cognito app client takes. Keep the ones of the MCP clients your team uses.");
        foreach (var url in mcpCallbackUrls)
            if (CallbackUrlProblem(url) is { } problem)
                throw new InfraOptionsException($"--mcp-callback-url '{url}' {problem}");

        if (zoneIdsFromArguments.Count > 0)
            zoneIds = zoneIdsFromArguments;
        if (AvailabilityZoneIdsProblem(zoneIds) is { } zoneProblem)
            throw new InfraOptionsException(zoneProblem);

        foreach (var (service, tag) in images)
            if (!TagPattern().IsMatch(tag))
                throw new InfraOptionsException($"Image tag '{tag}' for {service} is not a valid Docker tag (letters, digits, '_', '.', '-'; at most 128).");

        var strategyOverrides = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in strategies)
        {
            var (service, strategy) = PerService(entry);
            if (RolloutStrategy.TryParseKind(strategy) is not { } kind)
                throw new InfraOptionsException(RolloutStrategy.UnknownStrategy(strategy, $"--strategy {entry}"));
            strategyOverrides[service] = RolloutStrategy.NameOf(kind);
        }
        var bakeTimeOverrides = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in bakeTimes)
        {
            var (service, text) = PerService(entry);
            if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var minutes) ||
                minutes > RolloutStrategy.MaxMinutes)
                throw new InfraOptionsException(
                    $"--bake-time {entry}: '{text}' is not a whole number of minutes from 0 to {RolloutStrategy.MaxMinutes} (ECS's BakeTimeInMinutes). " +
                    "Write --bake-time 10 for every service or --bake-time fastapi=10 for one.");
            bakeTimeOverrides[service] = minutes;
        }

        return new InfraOptions
        {
            Environment = environment,
            NatGateways = nat,
            Region = region,
            Stacks = ParseStacks(stacks),
            ImageTags = images,
            OutDirectory = outDir,
            ServicesDirectory = servicesDir,
            JwtIssuer = jwtIssuer,
            JwtAudience = jwtAudience,
            AlarmEmail = alarmEmail,
            AlarmHttpsEndpoint = alarmHttpsEndpoint,
            KeepDeployedImages = keep,
            McpCallbackUrls = mcpCallbackUrls,
            DeletionProtection = protect,
            AvailabilityZoneIds = zoneIds,
            StrategyOverrides = strategyOverrides,
            BakeTimeOverrides = bakeTimeOverrides,
        };
    }

    static IEnumerable<string> List(string? value) =>
        (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary><c>fastapi=rolling</c> → (fastapi, rolling); <c>rolling</c> → (<see cref="EveryService"/>, rolling).</summary>
    static (string Service, string Value) PerService(string entry)
    {
        var eq = entry.IndexOf('=');
        return eq < 0 ? (EveryService, entry) : (entry[..eq].Trim(), entry[(eq + 1)..].Trim());
    }

    /// <summary>What is wrong with a list of zone IDs for the VPC, as a whole message; null when it is empty or fine.</summary>
    static string? AvailabilityZoneIdsProblem(IReadOnlyList<string> zoneIds)
    {
        if (zoneIds.Count == 0)
            return null;
        if (zoneIds.FirstOrDefault(id => !ZoneIdPattern().IsMatch(id)) is { } bad)
            return $"--availability-zone-id '{bad}' is not a zone ID. Zone IDs look like use1-az1 (aws ec2 describe-availability-zones lists them as ZoneId); zone names such as us-east-1a differ from account to account.";
        if (zoneIds.Count != Network.AvailabilityZones || zoneIds.Distinct(StringComparer.Ordinal).Count() != zoneIds.Count)
            return $"The VPC spans {Network.AvailabilityZones} Availability Zones, so it takes {Network.AvailabilityZones} different zone IDs; got {zoneIds.Count}: {string.Join(", ", zoneIds)}.";
        return null;
    }

    /// <summary>What Cognito would refuse in a callback URL (CreateUserPoolClient's rules), as the rest of a sentence; null when it is fine.</summary>
    static string? CallbackUrlProblem(string url)
    {
        if (url.Length > 1024)
            return "is longer than the 1024 characters Cognito allows.";
        // On Unix a rooted path parses as an absolute file: URI; a redirect URI must name its scheme.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.IsFile || !url.StartsWith(uri.Scheme + ":", StringComparison.OrdinalIgnoreCase))
            return "is not an absolute URL; write it exactly as the MCP client sends it as redirect_uri, e.g. http://localhost:33418/.";
        if (url.Contains('#', StringComparison.Ordinal))
            return "has a fragment (#...), which a redirect URI may not have (RFC 6749 3.1.2).";
        if (uri.Scheme == Uri.UriSchemeHttp && uri.Host != "localhost")
            return $"uses plain http on {uri.Host}; Cognito accepts http only for localhost (not even 127.0.0.1). Use https, a custom scheme such as myapp://callback, or http://localhost:<port>/....";
        return null;
    }

    static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    static bool IsHttpsUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && uri.Host.Length > 0;

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


    [GeneratedRegex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex("^[a-z]{2,}[0-9]+-az[0-9]+$")]
    private static partial Regex ZoneIdPattern();

    [GeneratedRegex(ImageTagPattern)]
    private static partial Regex TagPattern();
}
