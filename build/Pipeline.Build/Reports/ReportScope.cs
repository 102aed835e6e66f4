namespace Pipeline.Build.Reports;

/// <summary>Which environment a report describes, and why that one (shown to the user when it was not asked for).</summary>
public sealed record ReportScope(string Environment, int NatGateways, string? Reason = null)
{
    public string Subject => $"the {Environment} environment ({NatGateways} NAT gateway{(NatGateways == 1 ? "" : "s")})";
}
