using System.Text.Json;
using Pipeline.Build.Reports;
using Pipeline.Build.Synthesis;
using Pipeline.Build.Tests.Reports;
using Pipeline.Build.Tests.TestSupport;

namespace Pipeline.Build.Tests.Aws.Roles;

/// <summary>
/// The templates of the AWS profiles (dev and prod, each with its own NAT count from <c>.nuke/parameters.&lt;profile&gt;.json</c>),
/// and of dev with every optional alarm subscription set, synthesized once for the test class by the real CDK app.
/// </summary>
public sealed class SynthesizedProfileTemplates : IAsyncLifetime
{
    readonly string workDirectory = Path.Combine(Path.GetTempPath(), $"roles-synth-{Guid.NewGuid():N}");
    readonly List<(string Name, SynthesizedTemplates Templates)> variants = [];

    static string Root => SynthesizedReferenceTemplates.Root;

    /// <summary>Each variant's name (dev, prod, dev-with-alarm-subscriptions) and templates.</summary>
    public IReadOnlyList<(string Name, SynthesizedTemplates Templates)> Variants =>
        variants.Count > 0 ? variants : throw new InvalidOperationException("node is not on PATH: the CDK app cannot synthesize. Install Node.js 20+ (CI must have it).");

    public async Task InitializeAsync()
    {
        if (Requirements.Tool("node") is not null)
            return; // each test then fails (under CI) or is skipped by ToolFact("node")
        var synthesizer = new StackSynthesizer(Root, Path.Combine(workDirectory, "app"));
        foreach (var (name, request) in Requests())
        {
            await synthesizer.SynthesizeAsync(request, dryRun: false, new SilentStepLog(), CancellationToken.None);
            variants.Add((name, SynthesizedTemplates.Read(request.OutDirectory)));
        }
    }

    IEnumerable<(string Name, SynthRequest Request)> Requests()
    {
        foreach (var profile in new[] { "dev", "prod" })
        {
            using var parameters = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, ".nuke", $"parameters.{profile}.json")));
            var environment = parameters.RootElement.GetProperty("DeployEnvironment").GetString()!;
            var nat = parameters.RootElement.TryGetProperty("NatGateways", out var n) ? n.GetInt32() : 1;
            // As a Deploy synthesizes them: subnets placed by zone ID, and prod's deletion protection from its profile.
            yield return (profile, new SynthRequest(environment, nat, null, new Dictionary<string, string>(), Path.Combine(workDirectory, profile))
            {
                AvailabilityZoneIds = ["use1-az1", "use1-az2"],
                DeletionProtection = parameters.RootElement.TryGetProperty("DeletionProtection", out var protect) && protect.GetBoolean(),
            });
            if (profile == "dev")
                yield return ("dev-with-alarm-subscriptions", new SynthRequest(environment, nat, null, new Dictionary<string, string>(), Path.Combine(workDirectory, "dev-alarms"))
                {
                    AlarmEmail = "alarms@example.com",
                    AlarmHttpsEndpoint = "https://alarms.example.com/hook",
                });
        }
    }

    public Task DisposeAsync()
    {
        foreach (var (_, templates) in variants)
            templates.Dispose();
        if (Directory.Exists(workDirectory))
            Directory.Delete(workDirectory, recursive: true);
        return Task.CompletedTask;
    }
}
