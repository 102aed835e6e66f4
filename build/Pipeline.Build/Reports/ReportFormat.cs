namespace Pipeline.Build.Reports;

/// <summary>How the Cost target prints its estimate.</summary>
public enum ReportFormat
{
    Text,
    Markdown,
}
