using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Mcp.Server.Tools;

/// <summary>Tools answered by the fastapi service, so the two services work as one product.</summary>
[McpServerToolType]
public sealed class FastApiTools
{
    public const int MaxValues = 10_000;

    [McpServerTool(Name = "compute_statistics", Title = "Compute statistics", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Computes count, sum, mean, median, min, max and sample standard deviation of a list of numbers. The computation runs on the fastapi service.")]
    public static async Task<StatisticsSummary> ComputeStatistics(
        FastApiClient fastApi,
        [Description("The numbers to summarize: 1 to 10000 finite values.")] double[] values,
        CancellationToken cancellationToken)
    {
        if (values.Length is 0 or > MaxValues)
        {
            throw new McpException($"values has {values.Length} numbers; give between 1 and {MaxValues}.");
        }

        return await fastApi.ComputeStatisticsAsync(values, cancellationToken);
    }

    [McpServerTool(Name = "analyze_text", Title = "Analyze text", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Counts characters, words, lines and unique words of a text and lists its most frequent words. The analysis runs on the fastapi service.")]
    public static Task<TextAnalysis> AnalyzeText(
        FastApiClient fastApi,
        [Description("The text to analyze, up to 100000 characters.")] string text,
        [Description("How many of the most frequent words to list, 1 to 50.")] int top = 5,
        CancellationToken cancellationToken = default) =>
        fastApi.AnalyzeTextAsync(text, top, cancellationToken);
}
