namespace Pipeline.Build.Aws;

/// <summary>
/// Registry login from ECR. A class, not a record, so that no generated <c>ToString</c> ever prints the password:
/// a log line that formats this object shows the registry and the expiry only.
/// </summary>
public sealed class EcrAuthorization(string registry, string username, string password, DateTimeOffset? expiresAt)
{
    /// <summary>Registry host, e.g. <c>123456789012.dkr.ecr.eu-west-1.amazonaws.com</c>.</summary>
    public string Registry { get; } = registry;

    public string Username { get; } = username;

    /// <summary>Secret: pass it to the registry client, never to a log.</summary>
    public string Password { get; } = password;

    public DateTimeOffset? ExpiresAt { get; } = expiresAt;

    public override string ToString() => $"ECR login for {Registry} (user {Username}, expires {ExpiresAt:u}, password hidden)";
}
