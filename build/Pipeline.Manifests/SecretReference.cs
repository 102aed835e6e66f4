namespace Pipeline.Manifests;

/// <summary>Where a secret's value lives in AWS.</summary>
public enum SecretStore
{
    /// <summary>An SSM Parameter Store parameter (normally a SecureString): <c>ssm:/apigw/dev/api-key</c>.</summary>
    Ssm,

    /// <summary>A Secrets Manager secret, by name or ARN, optionally one JSON key of it: <c>secretsmanager:apigw/dev/db</c>, <c>secretsmanager:apigw/dev/db:password</c>.</summary>
    SecretsManager,
}

/// <summary>
/// One entry of a manifest's <c>secrets</c>: the container variable and where its value comes from. The manifest holds the
/// reference only, never the value; <c>{env}</c> in a reference stands for the environment being deployed, so one manifest
/// serves dev and prod (<c>ssm:/apigw/{env}/api-key</c>).
/// </summary>
/// <param name="Variable">The environment variable the container sees, e.g. <c>API_KEY</c>.</param>
/// <param name="Reference">The manifest's text, e.g. <c>ssm:/apigw/{env}/api-key</c>.</param>
public sealed record SecretReference(string Variable, string Reference, SecretStore Store, string Name, string? JsonKey)
{
    public const string EnvironmentPlaceholder = "{env}";
    const string SsmScheme = "ssm:";
    const string SecretsManagerScheme = "secretsmanager:";

    /// <summary>Parses a manifest entry; null with a reason when the reference is not one we can pass to ECS.</summary>
    public static SecretReference? TryParse(string variable, string reference, out string? problem)
    {
        problem = null;
        if (reference.StartsWith(SsmScheme, StringComparison.Ordinal))
        {
            var name = reference[SsmScheme.Length..];
            if (!name.StartsWith('/') || name.Length < 2 || name.Contains(':') || name.Contains(' '))
                problem = $"secret {variable}: '{reference}' must name a parameter by its full path, e.g. ssm:/apigw/{{env}}/api-key.";
            return problem is null ? new SecretReference(variable, reference, SecretStore.Ssm, name, null) : null;
        }
        if (reference.StartsWith(SecretsManagerScheme, StringComparison.Ordinal))
        {
            var rest = reference[SecretsManagerScheme.Length..];
            // A full ARN has colons of its own: arn:aws:secretsmanager:<region>:<account>:secret:<name>[:<json key>].
            string name;
            string? key = null;
            if (rest.StartsWith("arn:", StringComparison.Ordinal))
            {
                var parts = rest.Split(':');
                if (parts.Length is < 7 or > 8 || parts[2] != "secretsmanager" || parts[5] != "secret")
                    problem = $"secret {variable}: '{reference}' is not a Secrets Manager secret ARN (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>).";
                name = string.Join(':', parts.Take(7));
                key = parts.Length == 8 && parts[7].Length > 0 ? parts[7] : null;
            }
            else
            {
                var colon = rest.IndexOf(':');
                name = colon < 0 ? rest : rest[..colon];
                key = colon < 0 || colon == rest.Length - 1 ? null : rest[(colon + 1)..];
                if (name.Length == 0 || name.Contains(' ') || name.StartsWith('/'))
                    problem = $"secret {variable}: '{reference}' must name a secret, e.g. secretsmanager:apigw/{{env}}/db or secretsmanager:apigw/{{env}}/db:password.";
            }
            if (key is not null && (key.Contains(':') || key.Contains(' ')))
                problem = $"secret {variable}: JSON key '{key}' in '{reference}' may contain no ':' or spaces.";
            return problem is null ? new SecretReference(variable, reference, SecretStore.SecretsManager, name, key) : null;
        }
        problem = $"secret {variable}: '{reference}' must start with 'ssm:' (a Parameter Store parameter) or 'secretsmanager:' (a Secrets Manager secret).";
        return null;
    }

    /// <summary>The reference for one environment: <c>{env}</c> replaced.</summary>
    public SecretReference For(string environment) => this with
    {
        Reference = Reference.Replace(EnvironmentPlaceholder, environment, StringComparison.Ordinal),
        Name = Name.Replace(EnvironmentPlaceholder, environment, StringComparison.Ordinal),
    };

    /// <summary>Whether <see cref="Name"/> is a full ARN already (Secrets Manager only).</summary>
    public bool IsArn => Name.StartsWith("arn:", StringComparison.Ordinal);

    public override string ToString() => $"{Variable} ← {Reference}";
}
