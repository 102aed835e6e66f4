using System.Text.Json.Nodes;

namespace Pipeline.Build.Aws.Clients;

/// <summary>
/// The SSM Parameter Store operations the pipeline uses: whether a secret's parameter exists (metadata only, never its
/// value) and reading the shared stack's plain String parameters.
/// </summary>
public sealed class SsmClient(AwsConnection connection, HttpClient http)
{
    readonly AwsJsonClient json = new(connection, AwsService.Ssm, "AmazonSSM", http);

    public Uri Endpoint => json.Endpoint;

    /// <summary>
    /// The parameter's name and type, or null when it does not exist. <c>DescribeParameters</c> answers with metadata only,
    /// so a secret's value (not even its ciphertext) never reaches the pipeline.
    /// </summary>
    public async Task<SsmParameterInfo?> DescribeParameterAsync(string name, CancellationToken ct)
    {
        var result = await json.CallAsync("DescribeParameters", new JsonObject
        {
            ["ParameterFilters"] = new JsonArray(new JsonObject
            {
                ["Key"] = "Name",
                ["Option"] = "Equals",
                ["Values"] = new JsonArray(name),
            }),
        }, ct);
        return result.Items("Parameters")
            .Select(p => new SsmParameterInfo(p.Text("Name"), p.Text("Type")))
            .FirstOrDefault(p => p.Name == name);
    }

    /// <summary>
    /// Values of plain String parameters by name (at most 10 per call, as SSM allows); names that do not exist are absent
    /// from the answer. Never used for SecureString parameters: it does not decrypt.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> GetParametersAsync(IReadOnlyList<string> names, CancellationToken ct)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var batch in names.Chunk(10))
        {
            var result = await json.CallAsync("GetParameters", new JsonObject
            {
                ["Names"] = new JsonArray(batch.Select(n => (JsonNode)n).ToArray()),
                ["WithDecryption"] = false,
            }, ct);
            foreach (var parameter in result.Items("Parameters"))
                values[parameter.Text("Name")] = parameter.Text("Value");
        }
        return values;
    }
}

/// <summary>A parameter's name and type (<c>String</c>, <c>StringList</c>, <c>SecureString</c>); no value.</summary>
public sealed record SsmParameterInfo(string Name, string Type)
{
    public bool IsSecure => Type == "SecureString";
}
