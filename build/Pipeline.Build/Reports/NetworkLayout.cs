namespace Pipeline.Build.Reports;

/// <summary>The VPC as the templates declare it.</summary>
public sealed record NetworkLayout(
    IReadOnlyList<string> VpcCidrs,
    int PublicSubnets,
    int PrivateSubnets,
    int IsolatedSubnets,
    int NatGateways,
    int PublicIpv4Addresses,
    int InternetGateways);
