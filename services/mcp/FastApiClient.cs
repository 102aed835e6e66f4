using System.Net;
using System.Text.Json;
using ModelContextProtocol;

namespace Mcp.Server;

/// <summary>
/// Calls the fastapi service's JSON API. Every failure becomes an <see cref="McpException"/> whose
/// message says what went wrong and what to do, so a tool reports it to the model as a tool error.
/// </summary>
public sealed class FastApiClient(HttpClient http, ServiceSettings settings)
{
    /// <summary>The fastapi service's manifest name, as the outgoing_request lines name their peer.</summary>
    public const string PeerService = "fastapi";

    /// <summary>Well under the 30 s after which the gateway and load balancer cut a response.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public Task<StatisticsSummary> ComputeStatisticsAsync(IReadOnlyList<double> values, CancellationToken cancellationToken) =>
        PostAsync<StatisticsSummary>("/compute/statistics", new { values }, cancellationToken);

    public Task<TextAnalysis> AnalyzeTextAsync(string text, int top, CancellationToken cancellationToken) =>
        PostAsync<TextAnalysis>("/text/analyze", new { text, top }, cancellationToken);

    private async Task<T> PostAsync<T>(string path, object body, CancellationToken cancellationToken)
    {
        var baseUrl = settings.FastApiBaseUrl ?? throw new McpException(
            "The fastapi service is not configured on this server. Set SERVICE_URL_FASTAPI to its base URL, e.g. http://127.0.0.1:8000.");
        var url = new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + path);

        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(url, body, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new McpException($"The fastapi service at {baseUrl} cannot be reached ({exception.Message}). Check that it is running and that SERVICE_URL_FASTAPI points to it.");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new McpException($"The fastapi service at {baseUrl} did not answer {path} within {RequestTimeout.TotalSeconds:0} s. Try again, or check its health at {baseUrl}/health.");
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.UnprocessableEntity)
            {
                throw new McpException($"The fastapi service rejected the input: {await ValidationDetailAsync(response, cancellationToken)}. Correct the arguments and call the tool again.");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new McpException($"The fastapi service answered {(int)response.StatusCode} {response.ReasonPhrase} for {path}. Check its logs and health at {baseUrl}/health.");
            }

            try
            {
                return await response.Content.ReadFromJsonAsync<T>(cancellationToken)
                    ?? throw new JsonException("empty body");
            }
            catch (JsonException exception)
            {
                throw new McpException($"The fastapi service answered {path} with a body this server cannot read ({exception.Message}). Check that SERVICE_URL_FASTAPI points to the fastapi service.");
            }
        }
    }

    private static async Task<string> ValidationDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (document.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.Array)
            {
                var problems = detail.EnumerateArray()
                    .Select(item => item.TryGetProperty("msg", out var message) ? message.GetString() : item.ToString())
                    .Where(message => !string.IsNullOrEmpty(message));
                return string.Join("; ", problems);
            }

            return document.RootElement.ToString();
        }
        catch (JsonException)
        {
            return "invalid input";
        }
    }
}
