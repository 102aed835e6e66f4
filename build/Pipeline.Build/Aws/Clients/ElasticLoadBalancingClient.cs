namespace Pipeline.Build.Aws.Clients;

/// <summary>The Elastic Load Balancing (v2) reads the pipeline uses: how many Application Load Balancers the account has.</summary>
public sealed class ElasticLoadBalancingClient(AwsConnection connection, HttpClient http)
{
    readonly AwsQueryClient query = new(connection, AwsService.ElasticLoadBalancingV2, "2015-12-01", http);

    public Uri Endpoint => query.Endpoint;

    /// <summary>The account's Application Load Balancers in the region (Network and Gateway Load Balancers are not counted).</summary>
    public async Task<int> CountApplicationLoadBalancersAsync(CancellationToken ct)
    {
        var count = 0;
        string? marker = null;
        do
        {
            List<KeyValuePair<string, string>> parameters = [new("PageSize", "400")];
            if (marker is not null)
                parameters.Add(new("Marker", marker));
            var result = await query.CallAsync("DescribeLoadBalancers", parameters, ct);
            count += result.Members("LoadBalancers").Count(b => b.Text("Type") == "application");
            marker = result.Text("NextMarker") is { Length: > 0 } next ? next : null;
        }
        while (marker is not null);
        return count;
    }
}
