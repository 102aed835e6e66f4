using System.Globalization;

namespace Pipeline.Build.Aws.Clients;

/// <summary>The EC2 reads the pipeline uses: the region's Availability Zones, and how many VPCs and Elastic IPs the account has.</summary>
public sealed class Ec2Client(AwsConnection connection, HttpClient http)
{
    readonly AwsQueryClient query = new(connection, AwsService.Ec2, "2016-11-15", http);

    public Uri Endpoint => query.Endpoint;

    /// <summary>
    /// The region's Availability Zones as this account sees them: name (which differs per account) and ID (which does not),
    /// state and opt-in status. Local Zones and Wavelength Zones are left out: a VPC link's subnets are in Availability Zones.
    /// </summary>
    public async Task<IReadOnlyList<AvailabilityZone>> DescribeAvailabilityZonesAsync(CancellationToken ct)
    {
        var response = await query.CallAsync("DescribeAvailabilityZones",
            [new("Filter.1.Name", "zone-type"), new("Filter.1.Value.1", "availability-zone")], ct);
        return response.Items("availabilityZoneInfo")
            .Select(zone => new AvailabilityZone(zone.Text("zoneName"), zone.Text("zoneId"), zone.Text("zoneState"), zone.Text("optInStatus")))
            .ToList();
    }

    /// <summary>How many VPCs the account has in the region (the default VPC included: it counts against the quota).</summary>
    public Task<int> CountVpcsAsync(CancellationToken ct) => CountPagedAsync("DescribeVpcs", "vpcSet", ct);

    /// <summary>How many Elastic IP addresses the account holds in the region, associated or not.</summary>
    public async Task<int> CountElasticIpsAsync(CancellationToken ct) =>
        (await query.CallAsync("DescribeAddresses", [], ct)).Items("addressesSet").Count();

    async Task<int> CountPagedAsync(string action, string listName, CancellationToken ct)
    {
        var count = 0;
        string? nextToken = null;
        do
        {
            List<KeyValuePair<string, string>> parameters = [new("MaxResults", 1000.ToString(CultureInfo.InvariantCulture))];
            if (nextToken is not null)
                parameters.Add(new("NextToken", nextToken));
            var response = await query.CallAsync(action, parameters, ct);
            count += response.Items(listName).Count();
            nextToken = response.Text("nextToken") is { Length: > 0 } token ? token : null;
        }
        while (nextToken is not null);
        return count;
    }
}

/// <summary>An Availability Zone of a region: <see cref="Name"/> (us-east-1a) is this account's label for the zone <see cref="Id"/> (use1-az6).</summary>
/// <param name="State">available, information, impaired, unavailable or constrained.</param>
/// <param name="OptInStatus">opt-in-not-required, opted-in or not-opted-in.</param>
public sealed record AvailabilityZone(string Name, string Id, string State, string OptInStatus)
{
    /// <summary>Whether subnets can be placed in it now.</summary>
    public bool IsUsable => State == "available" && OptInStatus is "opt-in-not-required" or "opted-in" or "";
}
