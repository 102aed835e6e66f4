using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Pipeline.Build.Engine;
using Pipeline.Build.Images;
using Pipeline.Manifests;

namespace Pipeline.TestSupport;

/// <summary>
/// What some tests need outside their process, each asked once per test run: why it is missing (saying how to provide
/// it), or null when it is there. The <see cref="CiStrictFactAttribute"/>s skip with that reason on a workstation;
/// <see cref="Require"/> fails a test or fixture with it, which is what happens under CI=true.
/// </summary>
public static class Requirements
{
    /// <summary>The plain registry the tests push to and pull base images from (.ci/setup starts it).</summary>
    public const string LocalRegistry = "127.0.0.1:5000";

    static readonly Lazy<string?> Engine = new(FindDockerEngine);
    static readonly Lazy<string?> Registry = new(FindLocalRegistry);
    static readonly Lazy<string?> McpSdk = new(FindNodeTools);
    static readonly ConcurrentDictionary<string, Lazy<string?>> KnownTools = new();

    /// <summary>A Docker engine that answers (<c>DOCKER_HOST</c>, else the local socket), and the docker CLI.</summary>
    public static string? DockerEngine() => Engine.Value;

    /// <summary>The Docker engine and the registry on <see cref="LocalRegistry"/>.</summary>
    public static string? DockerEngineAndRegistry() => Engine.Value ?? Registry.Value;

    /// <summary>
    /// A program the test starts: on PATH (or where <c>dotnet tool install --global</c> puts it), or for <c>moto</c> the
    /// moto server module of python3.
    /// </summary>
    public static string? Tool(string name) => KnownTools.GetOrAdd(name, n => new Lazy<string?>(() => FindTool(n))).Value;

    /// <summary>Which of <paramref name="tools"/> are missing ("needs A, which is not installed; needs B, ..."), or null.</summary>
    public static string? Tools(params string[] tools) =>
        tools.Select(Tool).OfType<string>().ToList() is { Count: > 0 } missing ? string.Join("; ", missing) : null;

    /// <summary>Node and build/tools' npm packages (the official TypeScript MCP SDK), which the MCP client check runs with.</summary>
    public static string? NodeTools() => Tool("node") ?? McpSdk.Value;

    /// <summary>Where build/tools' copy of the TypeScript MCP SDK is when <c>npm ci --prefix build/tools</c> has run.</summary>
    public static string McpSdkPackageJson =>
        Path.Combine(RepositoryRoot.Find(AppContext.BaseDirectory), "build", "tools", "node_modules", "@modelcontextprotocol", "sdk", "package.json");

    /// <summary>Fails the calling test loudly when one of <paramref name="tools"/> is missing.</summary>
    public static void RequireTools(params string[] tools) => Require(Tools(tools));

    /// <summary>Fails the calling test (or fixture) loudly when <paramref name="missing"/> is not null: what runs under CI=true.</summary>
    public static void Require(string? missing)
    {
        if (missing is not null)
            throw new InvalidOperationException($"This test cannot run here: {missing}. Provide it (the CI setup script must) and run again.");
    }

    static string? FindDockerEngine()
    {
        try
        {
            using var engine = new DockerEngine();
            engine.ConnectAsync().GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            return $"needs a Docker engine, and none answers: {e.Message}";
        }
        return ChildProcess.FindOnPath("docker") is null ? "needs the docker CLI, which is not on PATH" : null;
    }

    static string? FindLocalRegistry()
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var response = http.GetAsync($"http://{LocalRegistry}/v2/").GetAwaiter().GetResult();
            return response.IsSuccessStatusCode
                ? null
                : $"needs a plain registry on {LocalRegistry}, which answered {(int)response.StatusCode} on /v2/ (.ci/setup starts one)";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException)
        {
            return $"needs a registry on {LocalRegistry}, and none answers at http://{LocalRegistry}/v2/ ({e.Message}; .ci/setup starts one)";
        }
    }

    static string? FindTool(string name) => name switch
    {
        "moto" => Runs("python3", "-c", "import moto.server") ? null : $"needs {Describe(name)}, which is not installed",
        _ => ChildProcess.FindOnPath(name, DotnetToolsFolder) is null ? $"needs {Describe(name)}, which is not installed" : null,
    };

    static string Describe(string tool) => tool switch
    {
        "node" => "Node.js ('node' on PATH; jsii runs the CDK in it, and the MCP client check runs on it)",
        "cfn-lint" => "cfn-lint ('pip install cfn-lint')",
        "aws" => "the AWS CLI ('aws' on PATH)",
        "moto" => "moto server ('python3 -c \"import moto.server\"' must work: pip install \"moto[server]\")",
        "pwsh" => "PowerShell ('pwsh' on PATH or in ~/.dotnet/tools: dotnet tool install --global PowerShell)",
        "git" => "git ('git' on PATH)",
        "chromium" => "Chromium ('chromium' on PATH: apt-get install chromium; .ci/setup installs it)",
        "chromedriver" => "chromedriver ('chromedriver' on PATH: apt-get install chromium-driver; .ci/setup installs it)",
        _ => $"'{tool}' on PATH",
    };

    static string DotnetToolsFolder => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools");

    static bool Runs(string file, params string[] args)
    {
        if (ChildProcess.FindOnPath(file) is null) return false;
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        process.WaitForExit(60_000);
        return process.HasExited && process.ExitCode == 0;
    }

    static string? FindNodeTools() =>
        File.Exists(McpSdkPackageJson)
            ? null
            : "needs the TypeScript MCP SDK under build/tools, which is not installed: npm ci --prefix build/tools (.ci/setup does)";
}
