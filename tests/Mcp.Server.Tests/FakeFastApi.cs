using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mcp.Server.Tests;

/// <summary>
/// A stand-in for the fastapi service speaking its HTTP contract (same paths, bodies and 422 shape) on
/// 127.0.0.1, so the tools' HTTP calls, error mapping and timeouts run for real.
/// </summary>
public sealed class FakeFastApi : IAsyncDisposable
{
    public const string ComputedBy = "fastapi@fake";

    private readonly WebApplication _app;

    private FakeFastApi(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public List<string> ReceivedPaths { get; } = [];

    /// <summary>The headers of every request received, in order: to prove what the MCP server does not forward.</summary>
    public List<IReadOnlyDictionary<string, string>> ReceivedHeaders { get; } = [];

    public static async Task<FakeFastApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = default(FakeFastApi);

        app.MapPost("/compute/statistics", (StatisticsBody body, HttpRequest request) =>
        {
            fake!.Record(request);
            var sorted = body.Values.Order().ToArray();
            var middle = sorted.Length / 2;
            return Results.Json(new Dictionary<string, object?>
            {
                ["count"] = sorted.Length,
                ["sum"] = sorted.Sum(),
                ["mean"] = sorted.Average(),
                ["median"] = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2,
                ["min"] = sorted[0],
                ["max"] = sorted[^1],
                ["stdev"] = null,
                ["computed_by"] = ComputedBy,
            });
        });

        app.MapPost("/text/analyze", (TextBody body, HttpRequest request) =>
        {
            fake!.Record(request);
            if (body.Top is < 1 or > 50)
            {
                return Results.Json(
                    new { detail = new[] { new { type = "greater_than_equal", loc = new object[] { "body", "top" }, msg = "Input should be greater than or equal to 1" } } },
                    statusCode: StatusCodes.Status422UnprocessableEntity);
            }

            var words = body.Text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(word => word.ToLowerInvariant()).ToArray();
            var top = words.GroupBy(word => word).OrderByDescending(group => group.Count()).ThenBy(group => group.Key).Take(body.Top);
            return Results.Json(new Dictionary<string, object?>
            {
                ["characters"] = body.Text.Length,
                ["words"] = words.Length,
                ["lines"] = body.Text.Split('\n').Length,
                ["unique_words"] = words.Distinct().Count(),
                ["top_words"] = top.Select(group => new { word = group.Key, count = group.Count() }),
                ["computed_by"] = ComputedBy,
            });
        });

        await app.StartAsync();
        var address = app.Urls.Single();
        fake = new FakeFastApi(app, new Uri(address));
        return fake;
    }

    private void Record(HttpRequest request)
    {
        ReceivedPaths.Add(request.Path);
        ReceivedHeaders.Add(request.Headers.ToDictionary(header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed record StatisticsBody(double[] Values);

    private sealed record TextBody(string Text, int Top);
}
