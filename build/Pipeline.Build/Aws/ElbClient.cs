using System.Globalization;

namespace Pipeline.Build.Aws;

/// <summary>The ELBv2 operation the pipeline uses: target health of a target group.</summary>
public sealed class ElbClient(AwsConnection connection, HttpClient http)
{
    readonly AwsQueryClient query = new(connection, AwsService.ElasticLoadBalancingV2, "2015-12-01", http);

    public Uri Endpoint => query.Endpoint;

    public AwsQueryClient Query => query;

    public async Task<IReadOnlyList<TargetHealth>> DescribeTargetHealthAsync(string targetGroupArn, CancellationToken ct)
    {
        var result = await query.CallAsync("DescribeTargetHealth", [new("TargetGroupArn", targetGroupArn)], ct);
        return result.Members("TargetHealthDescriptions").Select(d =>
        {
            var target = d.Element("Target");
            var health = d.Element("TargetHealth");
            return new TargetHealth(
                target?.Text("Id") ?? "",
                int.TryParse(target?.Text("Port"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) ? port : 0,
                health?.Text("State") ?? "",
                health?.Text("Reason") ?? "",
                health?.Text("Description") ?? "");
        }).ToList();
    }
}
