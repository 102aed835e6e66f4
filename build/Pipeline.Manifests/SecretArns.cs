namespace Pipeline.Manifests;

/// <summary>
/// The ARNs a secret reference becomes in a template, written as <c>Fn::Sub</c> strings (<c>${AWS::Partition}</c>,
/// <c>${AWS::Region}</c>, <c>${AWS::AccountId}</c>) so one template fits every account and region. The CDK app writes
/// them; the secret-access rule compares the execution role's policy against the same strings.
/// </summary>
public static class SecretArns
{
    /// <summary>
    /// What the container definition's <c>Secrets[].ValueFrom</c> holds: the parameter's ARN; the secret's ARN (a partial ARN,
    /// without the six random characters Secrets Manager appends, for a secret named by name; ECS accepts it), followed by
    /// <c>:&lt;json key&gt;::</c> when one key of a JSON secret is wanted.
    /// </summary>
    public static string ValueFrom(SecretReference secret) => secret.Store switch
    {
        SecretStore.Ssm => Parameter(secret),
        _ => Secret(secret) + (secret.JsonKey is { } key ? $":{key}::" : ""),
    };

    /// <summary>
    /// What the task execution role's policy names for this secret: the parameter's ARN; the secret's ARN as given; or, for a
    /// secret named by name, its ARN with <c>-??????</c> for the random suffix (exactly that secret, not every secret whose name
    /// starts the same).
    /// </summary>
    public static string PolicyResource(SecretReference secret) => secret.Store switch
    {
        SecretStore.Ssm => Parameter(secret),
        _ when secret.IsArn => secret.Name,
        _ => Secret(secret) + "-??????",
    };

    /// <summary>The action the execution role needs on <see cref="PolicyResource"/>: ECS reads parameters in batches, secrets one by one.</summary>
    public static string ReadAction(SecretStore store) => store switch
    {
        SecretStore.Ssm => "ssm:GetParameters",
        _ => "secretsmanager:GetSecretValue",
    };

    /// <summary>
    /// One of these ARNs for a given account and region, the pseudo parameters filled in: for policies that are not part of a
    /// template (the deploy role's).
    /// </summary>
    public static string In(string arn, string partition, string region, string account) =>
        arn.Replace("${AWS::Partition}", partition, StringComparison.Ordinal)
            .Replace("${AWS::Region}", region, StringComparison.Ordinal)
            .Replace("${AWS::AccountId}", account, StringComparison.Ordinal);

    /// <summary>The only action on <see cref="ServiceManifest.SecretsKmsKey"/>, and only when the manifest names the key.</summary>
    public const string KmsAction = "kms:Decrypt";

    // Parameter ARNs leave out the leading slash of a hierarchical name: parameter/apigw/dev/api-key.
    static string Parameter(SecretReference secret) =>
        $"{ArnPrefix("ssm")}:parameter/{secret.Name.TrimStart('/')}";

    static string Secret(SecretReference secret) =>
        secret.IsArn ? secret.Name : $"{ArnPrefix("secretsmanager")}:secret:{secret.Name}";

    /// <summary><c>arn:${AWS::Partition}:&lt;service&gt;:${AWS::Region}:${AWS::AccountId}</c>: this account and region.</summary>
    static string ArnPrefix(string service) => $"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}";
}
