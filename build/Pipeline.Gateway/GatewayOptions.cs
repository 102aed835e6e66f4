using Pipeline.Manifests;

namespace Pipeline.Gateway;

/// <summary>
/// What the gateway needs to start: where the manifests are, where to listen, the local issuer's credentials file, and
/// optional upstream overrides.
/// </summary>
public sealed record GatewayOptions
{
    public const int DefaultPort = 8080;

    /// <summary>How long an upstream may stay silent by default; on the API routes the integration timeout ends a forward no later.</summary>
    public static readonly TimeSpan DefaultActivityTimeout = TimeSpan.FromSeconds(30);

    /// <summary>API Gateway HTTP APIs give an integration 30 s at most; the local gateway gives the same, so timeouts show up here first.</summary>
    public static readonly TimeSpan DefaultIntegrationTimeout = TimeSpan.FromSeconds(30);

    public required string ServicesDirectory { get; init; }

    public string Urls { get; init; } = $"http://127.0.0.1:{DefaultPort}";

    /// <summary>Service name → base URL, replacing <c>http://127.0.0.1:&lt;manifest port&gt;</c> for that service.</summary>
    public IReadOnlyDictionary<string, Uri> UpstreamOverrides { get; init; } = new Dictionary<string, Uri>();

    /// <summary>How long the upstream may stay silent (no headers, no body bytes) before the gateway answers 504.</summary>
    public TimeSpan ActivityTimeout { get; init; } = DefaultActivityTimeout;

    /// <summary>How long a request on an API route may take in all before the gateway answers 504, as API Gateway's integration timeout (<see cref="ApiGatewayLimits"/>).</summary>
    public TimeSpan IntegrationTimeout { get; init; } = DefaultIntegrationTimeout;

    /// <summary>Bind with SO_REUSEPORT, so a replacement gateway can listen on this port before this one stops (<see cref="ReusePortListener"/>).</summary>
    public bool ReusePort { get; init; }

    /// <summary>
    /// The environment's local issuer credentials file (signing key, audience, client), which the pipeline generates; the path
    /// only, so the key never appears on a command line. Every gateway of an environment reads the same file.
    /// </summary>
    public string? IssuerFile { get; init; }

    /// <summary>The credentials themselves, instead of <see cref="IssuerFile"/> (tests).</summary>
    public LocalIssuerCredentials? IssuerCredentials { get; init; }

    /// <summary>
    /// Where the issuer keeps registered clients and refresh tokens; default <see cref="LocalIssuerCredentials.StatePathBeside"/>
    /// the <see cref="IssuerFile"/>, in memory when neither is set (tests).
    /// </summary>
    public string? IssuerStateFile { get; init; }

    /// <summary>
    /// Approve authorization requests whose redirect URI is a loopback URL at once, without the consent page (tests and
    /// scripts). From the environment variable <see cref="AutoApproveVariable"/> (<c>true</c>), which <c>./build.sh Deploy
    /// --local-auth-auto-approve</c> sets.
    /// </summary>
    public bool LocalAuthAutoApprove { get; init; }

    public const string AutoApproveVariable = "LOCAL_AUTH_AUTO_APPROVE";

    /// <summary>Where the access log's JSON lines go; stdout (the gateway's log file) unless a test reads them.</summary>
    public TextWriter? AccessLogOutput { get; init; }

    /// <summary>Whether the environment variable's value turns auto-approval on: <c>true</c> or <c>1</c>, nothing else.</summary>
    public static bool IsAutoApprove(string? value) =>
        string.Equals(value?.Trim(), "true", StringComparison.OrdinalIgnoreCase) || value?.Trim() == "1";

    /// <summary>Enables the admin endpoints (<see cref="GatewayAdmin"/>) for this bearer token; null leaves them out. Never a command-line option.</summary>
    public string? AdminToken { get; init; }

    public const string Usage =
        "usage: Pipeline.Gateway --issuer-file <local-issuer.json> [--services-dir <dir>] [--urls http://127.0.0.1:<port>] " +
        "[--upstream <service>=<url>]... [--activity-timeout <seconds>] [--integration-timeout <seconds>] [--reuse-port]";

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> with the offending argument and the usage.</summary>
    public static GatewayOptions Parse(IReadOnlyList<string> args)
    {
        string? servicesDirectory = null;
        var urls = $"http://127.0.0.1:{DefaultPort}";
        var overrides = new Dictionary<string, Uri>(StringComparer.OrdinalIgnoreCase);
        var activityTimeout = DefaultActivityTimeout;
        var integrationTimeout = DefaultIntegrationTimeout;
        var reusePort = false;
        string? issuerFile = null;

        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count
                ? args[++i]
                : throw new ArgumentException($"Option '{name}' needs a value.\n{Usage}");

            switch (name)
            {
                case "--services-dir":
                    servicesDirectory = Value();
                    break;
                case "--urls":
                    urls = Value();
                    break;
                case "--upstream":
                    var (service, url) = ParseUpstream(Value());
                    overrides[service] = url;
                    break;
                case "--activity-timeout":
                    activityTimeout = Seconds(name, Value());
                    break;
                case "--integration-timeout":
                    integrationTimeout = Seconds(name, Value());
                    break;
                case "--issuer-file":
                    issuerFile = Value();
                    break;
                case "--reuse-port":
                    reusePort = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{name}'.\n{Usage}");
            }
        }

        return new GatewayOptions
        {
            ServicesDirectory = Path.GetFullPath(servicesDirectory ?? ServiceCatalog.FindServicesDirectory()),
            Urls = urls,
            UpstreamOverrides = overrides,
            ActivityTimeout = activityTimeout,
            IntegrationTimeout = integrationTimeout,
            ReusePort = reusePort,
            IssuerFile = issuerFile is null ? null : Path.GetFullPath(issuerFile),
        };
    }

    static TimeSpan Seconds(string option, string text) =>
        double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{option} '{text}' is not a positive number of seconds.\n{Usage}");

    static (string Service, Uri Url) ParseUpstream(string value)
    {
        var equals = value.IndexOf('=');
        if (equals <= 0 || !Uri.TryCreate(value[(equals + 1)..], UriKind.Absolute, out var url))
            throw new ArgumentException($"--upstream '{value}' must look like <service>=http://127.0.0.1:<port>.\n{Usage}");
        return (value[..equals], url);
    }
}
