using System.Globalization;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;

namespace Pipeline.Build.Aws.Zones;

/// <summary>
/// Which Availability Zones the environment's VPC uses, by zone ID: the profile's <c>AvailabilityZoneIds</c> when set,
/// checked against the region's zones; else the first zones, ordered by ID, that the account can use and that support
/// HTTP API VPC links (<see cref="VpcLinkZones"/>). Ordering by ID, not by name, gives every account of a region the
/// same choice, because names are shuffled per account and IDs are not.
/// </summary>
public static class ZoneChooser
{
    public const string Setting = "AvailabilityZoneIds";

    /// <summary>The zones the VPC spans: infra/Network.cs AvailabilityZones (a test keeps the two equal).</summary>
    public const int VpcZones = 2;

    /// <summary>
    /// Without the account's zones (a synthesis with no credentials): the first of the region's documented VPC-link zones,
    /// by ID, which is what <see cref="Choose"/> takes in an account that has them all; empty for a region the table lacks.
    /// A Deploy still checks them against the account and synthesizes again when it chooses others.
    /// </summary>
    public static IReadOnlyList<string> Documented(string? region) =>
        region is null ? [] : VpcLinkZones.In(region).Order(ZoneIdOrder.Instance).Take(VpcZones).ToList() is { Count: VpcZones } ids ? ids : [];

    /// <param name="zones">The region's Availability Zones as the account sees them (EC2 DescribeAvailabilityZones).</param>
    /// <param name="configured">The profile's zone IDs; null or empty: choose.</param>
    /// <param name="settingFile">Where the setting goes, e.g. <c>.nuke/parameters.dev.json</c>, for the message.</param>
    /// <exception cref="ZoneChoiceException">The region or the configured IDs cannot hold a VPC with VPC links; the message says what to set.</exception>
    public static ZoneChoice Choose(string region, IReadOnlyList<AvailabilityZone> zones, IReadOnlyList<string>? configured, string settingFile)
    {
        var wanted = VpcZones;
        var supported = VpcLinkZones.In(region);
        var usable = zones.Where(z => z.IsUsable && supported.Contains(z.Id, StringComparer.Ordinal)).OrderBy(z => z.Id, ZoneIdOrder.Instance).ToList();
        var facts = new ZoneFacts(region, zones, supported, usable, settingFile);

        if (supported.Count == 0)
            throw facts.Refusal($"the table of zones where API Gateway supports HTTP API VPC links does not list {region}",
                $"Deploy to a region it lists ({string.Join(", ", VpcLinkZones.Regions)}): set AwsRegion in {settingFile} or pass --aws-region.");

        if (configured is { Count: > 0 })
        {
            var problems = new List<string>();
            if (configured.Count != wanted || configured.Distinct(StringComparer.Ordinal).Count() != configured.Count)
                problems.Add($"{Setting} must name {wanted} different zone IDs, one per zone of the VPC; it names {configured.Count}: {string.Join(", ", configured)}");
            foreach (var id in configured.Distinct(StringComparer.Ordinal))
            {
                var zone = zones.FirstOrDefault(z => z.Id == id);
                if (zone is null)
                    problems.Add($"{Setting} names {id}, which is not a zone of this account in {region}");
                else if (!supported.Contains(id, StringComparer.Ordinal))
                    problems.Add($"{Setting} names {id} ({zone.Name}), where HTTP API VPC links are not supported");
                else if (!zone.IsUsable)
                    problems.Add($"{Setting} names {id} ({zone.Name}), which is {zone.State}{(zone.OptInStatus == "not-opted-in" ? " and not opted in" : "")}");
            }
            if (problems.Count > 0)
                throw facts.Refusal(string.Join("; ", problems), facts.SetTwo("or remove it to let the pipeline choose"));
            return new ZoneChoice(region, configured.Select(id => zones.First(z => z.Id == id)).ToList(), Configured: true);
        }

        if (usable.Count < wanted)
            throw facts.Refusal($"only {usable.Count} of this account's zones there support{(usable.Count == 1 ? "s" : "")} HTTP API VPC links and can be used; the VPC needs {wanted}",
                $"Deploy to another region (AwsRegion in {settingFile}, or --aws-region), or ask AWS Support about the zones this account is given.");
        return new ZoneChoice(region, usable.Take(wanted).ToList(), Configured: false);
    }

    /// <summary>What the refusal message lists: the account's zones, the supported ones, the usable ones.</summary>
    sealed record ZoneFacts(string Region, IReadOnlyList<AvailabilityZone> Zones, IReadOnlyList<string> Supported, IReadOnlyList<AvailabilityZone> Usable, string SettingFile)
    {
        public ZoneChoiceException Refusal(string problem, string nextStep) => new(
            $"Availability Zones in {Region}: {problem}. " +
            $"This account's zones in {Region} (name = ID): {Describe(Zones)}. " +
            $"HTTP API VPC links support {(Supported.Count == 0 ? "no zone there" : string.Join(", ", Supported))} (source: {VpcLinkZones.Source}); " +
            $"of those this account can use {(Usable.Count == 0 ? "none" : string.Join(", ", Usable.Select(z => $"{z.Id} ({z.Name})")))}.",
            nextStep);

        public string SetTwo(string alternative) =>
            Usable.Count >= VpcZones
                ? $"Set {Setting} in {SettingFile} to {VpcZones} of the zone IDs this account can use, e.g. " +
                  $"\"{Setting}\": [{string.Join(", ", Usable.Take(VpcZones).Select(z => $"\"{z.Id}\""))}] " +
                  $"(or --availability-zone-ids {string.Join(",", Usable.Take(VpcZones).Select(z => z.Id))}), {alternative}."
                : $"This account cannot place the VPC in {Region}: deploy to another region (AwsRegion in {SettingFile}, or --aws-region).";

        static string Describe(IReadOnlyList<AvailabilityZone> zones) =>
            zones.Count == 0
                ? "none were listed"
                : string.Join(", ", zones.OrderBy(z => z.Name, StringComparer.Ordinal)
                    .Select(z => $"{z.Name} = {z.Id}{(z.IsUsable ? "" : $" ({z.State}{(z.OptInStatus == "not-opted-in" ? ", not opted in" : "")})")}"));
    }

    /// <summary>use1-az2 before use1-az10: by the text before the last number, then by that number.</summary>
    internal sealed class ZoneIdOrder : IComparer<string>
    {
        public static readonly ZoneIdOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            var (px, nx) = Split(x ?? "");
            var (py, ny) = Split(y ?? "");
            var byPrefix = string.CompareOrdinal(px, py);
            return byPrefix != 0 ? byPrefix : nx != ny ? nx.CompareTo(ny) : string.CompareOrdinal(x, y);
        }

        static (string Prefix, long Number) Split(string id)
        {
            var digits = id.Length - id.Reverse().TakeWhile(char.IsAsciiDigit).Count();
            return long.TryParse(id[digits..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? (id[..digits], n) : (id, -1);
        }
    }
}

/// <summary>Why the zones cannot be chosen (the region's zones, the supported ones) and what to set instead.</summary>
public sealed class ZoneChoiceException(string facts, string nextStep) : PipelineException($"{facts} {nextStep} Nothing was created.")
{
    /// <summary>The problem and the zones: the account's (name = ID), the supported ones, the usable ones.</summary>
    public string Facts { get; } = facts;

    /// <summary>What to set or do instead, as a sentence.</summary>
    public string NextStep { get; } = nextStep;
}

/// <summary>The zones of the VPC, in subnet order, and whether the profile named them or the pipeline chose them.</summary>
public sealed record ZoneChoice(string Region, IReadOnlyList<AvailabilityZone> Zones, bool Configured)
{
    public IReadOnlyList<string> Ids => Zones.Select(z => z.Id).ToList();

    /// <summary>e.g. "use1-az1 (us-east-1b), use1-az2 (us-east-1c)".</summary>
    public string Describe() => string.Join(", ", Zones.Select(z => $"{z.Id} ({z.Name})"));
}
