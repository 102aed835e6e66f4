using System.Text;
using Pipeline.Build.Engine;
using static Pipeline.Build.Reports.CostEstimator;

namespace Pipeline.Build.Reports;

/// <summary>Renders a <see cref="CostEstimate"/> as a terminal table or as Markdown (for docs and the CI job summary).</summary>
public static class CostReport
{
    public static string Render(CostEstimate estimate, string subject, ReportFormat format) =>
        format == ReportFormat.Markdown ? ToMarkdown(estimate, subject) : ToText(estimate, subject);

    /// <param name="subject">What was estimated, e.g. "the dev environment (1 NAT gateway)".</param>
    public static string ToText(CostEstimate estimate, string subject)
    {
        var text = new StringWriter { NewLine = "\n" };
        text.WriteLine($"Monthly cost estimate for {subject} in {estimate.Prices.Region}");
        text.WriteLine();
        var table = new TextTable("Component", "Quantity", "Min/month", "Max/month", "Price");
        foreach (var line in estimate.Lines)
            table.Add(line.Component, line.Quantity, Money(line.Minimum), Money(line.Maximum), line.Note);
        table.Add("Total", "", Money(estimate.MinimumTotal), Money(estimate.MaximumTotal), "min: every service at its minimum task count; max: at its maximum");
        table.WriteTo(text);
        text.WriteLine();
        if (estimate.ServiceAlbs.Count > 0)
        {
            text.WriteLine("Price of isolation: " + Isolation(estimate.ServiceAlbs));
            text.WriteLine();
        }
        WriteTallies(text, "Free (no charge of their own)", estimate.Free);
        WriteTallies(text, "Not priced (add them to the estimate by hand)", estimate.NotPriced);
        text.WriteLine("Assumptions: " + Assumptions(estimate));
        text.WriteLine("Prices: " + PriceBasis(estimate));
        return text.ToString();
    }

    public static string ToMarkdown(CostEstimate estimate, string subject)
    {
        var md = new StringBuilder();
        md.Append($"### Monthly cost estimate for {subject} in {estimate.Prices.Region}\n\n");
        md.Append("| Component | Quantity | Min / month | Max / month | Price |\n");
        md.Append("|---|---|--:|--:|---|\n");
        foreach (var line in estimate.Lines)
            md.Append($"| {Cell(line.Component)} | {Cell(line.Quantity)} | {Money(line.Minimum)} | {Money(line.Maximum)} | {Cell(line.Note)} |\n");
        md.Append($"| **Total** | | **{Money(estimate.MinimumTotal)}** | **{Money(estimate.MaximumTotal)}** | min: every service at its minimum task count; max: at its maximum |\n\n");
        if (estimate.ServiceAlbs.Count > 0)
            md.Append($"**Price of isolation:** {Isolation(estimate.ServiceAlbs)}\n\n");
        foreach (var (title, tallies) in new[] { ("Free (no charge of their own)", estimate.Free), ("Not priced (add them to the estimate by hand)", estimate.NotPriced) })
        {
            md.Append($"**{title}:**");
            md.Append(tallies.Count == 0 ? " none.\n\n" : "\n\n" + string.Concat(tallies.Select(t => $"- `{t.Type}` × {t.Count}: {Cell(t.Reason)}\n")) + "\n");
        }
        md.Append($"**Assumptions:** {Assumptions(estimate)}\n\n");
        md.Append($"**Prices:** {PriceBasis(estimate)}\n");
        return md.ToString();
    }

    static void WriteTallies(TextWriter text, string title, IReadOnlyList<ResourceTally> tallies)
    {
        text.WriteLine(title + ":" + (tallies.Count == 0 ? " none" : ""));
        if (tallies.Count > 0)
        {
            var table = new TextTable("Type", "Count", "Why");
            foreach (var tally in tallies)
                table.Add(tally.Type, tally.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), tally.Reason);
            table.WriteTo(text);
        }
        text.WriteLine();
    }

    static string Isolation(ServiceAlbCost albs) =>
        $"ALBs: {albs.Count} × {Rate(albs.Each)} = {Money(albs.Total)}/month (one per service); a new service adds {Rate(albs.Each)}/month for its own ALB.";

    static string Assumptions(CostEstimate estimate)
    {
        var u = estimate.Usage;
        return $"{u.RequestsPerMonth.ToString("#,0.##", System.Globalization.CultureInfo.InvariantCulture)} requests/month per HTTP API (--requests-per-month), " +
               $"{Number(u.DataTransferGb)} GB/month through the NAT gateways (--data-transfer-gb), " +
               $"{Number(u.LogIngestionGb)} GB/month ingested per log group (--log-ingestion-gb), " +
               $"{Number(u.EcrStorageGb)} GB stored per ECR repository (--ecr-storage-gb), " +
               $"{Number(u.AlbLcu)} LCU on average per ALB (--alb-lcu); " +
               $"{Number(estimate.Prices.HoursPerMonth)} hours per month; no free tier, no savings plans, no data transfer out to the internet.";
    }

    static string PriceBasis(CostEstimate estimate) =>
        $"public list prices for {estimate.Prices.Region} taken on {estimate.Prices.TakenOn} from {string.Join(", ", estimate.Prices.Sources)} " +
        $"({PriceBook.RelativePath.Replace('\\', '/')}).";

    static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}

/// <summary>How the Cost and History targets print: Cost as text or Markdown, History as text, Markdown or JSON.</summary>
public enum ReportFormat
{
    Text,
    Markdown,
    Json,
}
