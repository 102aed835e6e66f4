using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipeline.Build.Aws.Clients;

/// <summary>
/// The AWS JSON 1.1 protocol (ECS, ECR, CloudWatch Logs): POST a JSON body with an <c>X-Amz-Target</c> of
/// <c>&lt;targetPrefix&gt;.&lt;Operation&gt;</c>, read a JSON answer.
/// </summary>
public sealed class AwsJsonClient
{
    readonly AwsRequestSender sender;
    readonly string targetPrefix;

    public AwsJsonClient(AwsConnection connection, AwsService service, string targetPrefix, HttpClient http)
    {
        this.targetPrefix = targetPrefix;
        sender = new AwsRequestSender(connection, service, http, ParseError);
    }

    public Uri Endpoint => sender.Endpoint;

    public async Task<JsonElement> CallAsync(string operation, JsonObject request, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(request.ToJsonString());
        var headers = new Dictionary<string, string> { ["X-Amz-Target"] = $"{targetPrefix}.{operation}" };
        var answer = await sender.PostAsync(operation, body, "application/x-amz-json-1.1", headers, ct);
        if (answer.Length == 0)
            return JsonDocument.Parse("{}").RootElement;
        return JsonDocument.Parse(answer).RootElement.Clone();
    }

    static (string Code, string Message) ParseError(byte[] body)
    {
        try
        {
            var root = JsonDocument.Parse(body).RootElement;
            var code = root.TryGetProperty("__type", out var type) ? type.GetString() ?? "" : "";
            // "__type" may be a shape id such as "com.amazonaws.ecs#ClusterNotFoundException".
            code = code[(code.LastIndexOf('#') + 1)..];
            var message = root.TryGetProperty("message", out var m) ? m.GetString()
                : root.TryGetProperty("Message", out var m2) ? m2.GetString() : null;
            return (code, message ?? "");
        }
        catch (JsonException)
        {
            return ("", Encoding.UTF8.GetString(body).Trim());
        }
    }
}
