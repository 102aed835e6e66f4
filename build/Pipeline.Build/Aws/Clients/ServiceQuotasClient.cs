using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.Build.Aws.Clients;

/// <summary>Service Quotas reads: a quota's value for this account, or AWS's default for it.</summary>
public sealed class ServiceQuotasClient(AwsConnection connection, HttpClient http)
{
    readonly AwsJsonClient json = new(connection, AwsService.ServiceQuotas, "ServiceQuotasV20190624", http);

    public Uri Endpoint => json.Endpoint;

    /// <summary>The quota's value applied to this account, or null when Service Quotas has none for it (NoSuchResourceException).</summary>
    public async Task<double?> GetServiceQuotaAsync(string serviceCode, string quotaCode, CancellationToken ct)
    {
        try
        {
            var answer = await json.CallAsync("GetServiceQuota", new JsonObject { ["ServiceCode"] = serviceCode, ["QuotaCode"] = quotaCode }, ct);
            return answer.TryGetProperty("Quota", out var quota) && quota.TryGetProperty("Value", out var value) ? value.GetDouble() : null;
        }
        catch (AwsServiceException e) when (e.ErrorCode == "NoSuchResourceException")
        {
            return null;
        }
    }

    /// <summary>AWS's default value of the quota (ListAWSDefaultServiceQuotas of its service), or null when it is not listed.</summary>
    public async Task<double?> GetDefaultQuotaAsync(string serviceCode, string quotaCode, CancellationToken ct)
    {
        string? nextToken = null;
        do
        {
            var request = new JsonObject { ["ServiceCode"] = serviceCode, ["MaxResults"] = 100 };
            if (nextToken is not null)
                request["NextToken"] = nextToken;
            JsonElement answer;
            try
            {
                answer = await json.CallAsync("ListAWSDefaultServiceQuotas", request, ct);
            }
            catch (AwsServiceException e) when (e.ErrorCode == "NoSuchResourceException")
            {
                return null;
            }
            foreach (var quota in answer.Items("Quotas"))
                if (quota.Text("QuotaCode") == quotaCode && quota.TryGetProperty("Value", out var value))
                    return value.GetDouble();
            nextToken = answer.Text("NextToken") is { Length: > 0 } token ? token : null;
        }
        while (nextToken is not null);
        return null;
    }
}
