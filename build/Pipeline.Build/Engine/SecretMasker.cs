namespace Pipeline.Build.Engine;

/// <summary>
/// Holds every secret the pipeline has seen (secret parameters, AWS keys, registry tokens) and masks them.
/// Process-wide on purpose: the masking console writers and every step share it.
/// </summary>
public static class SecretMasker
{
    public const string Mask = "****";

    static readonly Lock Gate = new();
    static string[] secrets = [];

    /// <summary>Values shorter than this are not masked: masking "1" or "dev" would garble normal output.</summary>
    const int MinimumLength = 6;

    public static void Register(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < MinimumLength) return;
        lock (Gate)
        {
            if (secrets.Contains(secret)) return;
            // Longest first, so a secret that contains another is masked whole.
            secrets = secrets.Append(secret).OrderByDescending(s => s.Length).ToArray();
        }
    }

    /// <summary>Registers the secrets that arrive through well-known environment variables.</summary>
    public static void RegisterFromEnvironment()
    {
        foreach (var name in new[] { "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "GITHUB_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "DOCKER_PASSWORD" })
            Register(Environment.GetEnvironmentVariable(name));
    }

    public static string Apply(string text)
    {
        var current = secrets;
        foreach (var secret in current)
            if (text.Contains(secret, StringComparison.Ordinal))
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
        return text;
    }
}
