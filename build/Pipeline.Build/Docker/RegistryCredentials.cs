namespace Pipeline.Build.Docker;

/// <summary>
/// Login for an image registry, e.g. from an ECR authorization token (username <c>AWS</c>, the token as password).
/// The password never appears in <see cref="ToString"/>.
/// </summary>
public sealed record RegistryCredentials(string Server, string Username, string Password)
{
    public const string Mask = "***";

    /// <summary><paramref name="text"/> with every occurrence of the password masked, for anything that is printed.</summary>
    public string Redact(string text) =>
        string.IsNullOrEmpty(Password) ? text : text.Replace(Password, Mask, StringComparison.Ordinal);

    public override string ToString() => $"{Username}@{Server} (password {Mask})";
}
