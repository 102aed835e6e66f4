using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pipeline.Build.Engine;

/// <summary>
/// Holds every secret the pipeline has seen (secret parameters, AWS keys, registry tokens, local secret values) and masks
/// them. Process-wide on purpose: the masking console writers and every step share it. A secret is masked as written and
/// in the forms it travels in: base64 (standard and URL-safe), URL-encoded, JSON-escaped, and each line of a multi-line
/// value on its own. A value too short to mask safely is not masked, and says so once (<see cref="TakeWarnings"/>).
/// </summary>
public static class SecretMasker
{
    public const string Mask = "****";

    static readonly Lock Gate = new();
    static string[] patterns = [];
    static readonly HashSet<string> Registered = new(StringComparer.Ordinal);
    static readonly List<string> Warnings = [];

    /// <summary>Values shorter than this are not masked: masking "1" or "dev" would garble normal output.</summary>
    public const int MinimumLength = 6;

    /// <summary>Registers <paramref name="secret"/>; <paramref name="name"/> (never the value) names it in the warning a short value gets.</summary>
    public static void Register(string? secret, string? name = null)
    {
        if (string.IsNullOrEmpty(secret)) return;
        lock (Gate)
        {
            if (!Registered.Add(secret)) return;
            if (secret.Trim().Length < MinimumLength)
            {
                Warnings.Add($"the secret {name ?? "value"} is shorter than {MinimumLength} characters, so it cannot be masked in output " +
                             "without garbling it: use a longer value");
                return;
            }
            // Longest first, so a secret that contains another is masked whole.
            patterns = patterns.Concat(FormsOf(secret)).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToArray();
        }
    }

    /// <summary>Warnings about registered values that are not masked (too short), each once: the caller prints and clears them.</summary>
    public static IReadOnlyList<string> TakeWarnings()
    {
        lock (Gate)
        {
            var taken = Warnings.ToList();
            Warnings.Clear();
            return taken;
        }
    }

    /// <summary>The texts a secret can appear as in output; each at least <see cref="MinimumLength"/> characters.</summary>
    internal static IEnumerable<string> FormsOf(string secret)
    {
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(secret));
        var forms = new List<string>
        {
            secret,
            base64,
            base64.TrimEnd('='),
            base64.TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            Uri.EscapeDataString(secret),
            JsonEncodedText.Encode(secret, JavaScriptEncoder.Default).Value,
            JsonEncodedText.Encode(secret, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value,
        };
        // A multi-line value (a PEM key, say) is written line by line as often as whole.
        if (secret.Contains('\n'))
            forms.AddRange(secret.Split('\n').Select(line => line.TrimEnd('\r')).Where(line => line.Trim().Length >= MinimumLength));
        return forms.Where(f => f.Length >= MinimumLength);
    }

    /// <summary>Registers the secrets that arrive through well-known environment variables.</summary>
    public static void RegisterFromEnvironment()
    {
        foreach (var name in new[] { "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "GITHUB_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "DOCKER_PASSWORD" })
            Register(Environment.GetEnvironmentVariable(name), name);
    }

    public static string Apply(string text)
    {
        var current = patterns;
        foreach (var secret in current)
            if (text.Contains(secret, StringComparison.Ordinal))
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
        return text;
    }
}
