using Amazon.CDK;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.IAM;
using Pipeline.Manifests;

namespace Pipeline.Infra;

/// <summary>
/// A service's <c>secrets</c>: each becomes an entry of the container's <c>Secrets</c> (<c>Name</c>, <c>ValueFrom</c> = the
/// parameter's or secret's ARN, see <see cref="SecretArns"/>), which ECS resolves when it starts a task; the template holds
/// the reference, never the value. The task execution role (the identity ECS uses for that) may read exactly those ARNs:
/// <c>ssm:GetParameters</c> on the parameters, <c>secretsmanager:GetSecretValue</c> on the secrets, and <c>kms:Decrypt</c>
/// only on the manifest's <c>secretsKmsKey</c> when it names one (the AWS-managed keys need no grant).
/// </summary>
/// <remarks>
/// Written as an override and a policy of our own rather than with CDK's <c>Secret.FromSsmParameter</c> /
/// <c>FromSecretsManager</c>: those grant the execution role more than ECS uses (<c>ssm:DescribeParameters</c>,
/// <c>ssm:GetParameterHistory</c>, <c>secretsmanager:DescribeSecret</c>), and the secret-access rule allows no more than
/// what is written here.
/// </remarks>
public static class ServiceSecrets
{
    public static void Apply(FargateTaskDefinition taskDefinition, ServiceManifest service, string environment)
    {
        var secrets = service.SecretReferencesFor(environment);
        if (secrets.Count == 0)
            return;

        var definition = (CfnTaskDefinition)taskDefinition.Node.DefaultChild!;
        // The task definition has exactly one container, the service's own.
        definition.AddPropertyOverride("ContainerDefinitions.0.Secrets", secrets
            .Select(s => new Dictionary<string, object> { ["Name"] = s.Variable, ["ValueFrom"] = Fn.Sub(SecretArns.ValueFrom(s)) })
            .ToArray());

        var executionRole = taskDefinition.ObtainExecutionRole();
        foreach (var byStore in secrets.GroupBy(s => s.Store).OrderBy(g => g.Key))
            executionRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
            {
                Effect = Effect.ALLOW,
                Actions = [SecretArns.ReadAction(byStore.Key)],
                Resources = byStore.Select(SecretArns.PolicyResource).Distinct().Select(arn => Fn.Sub(arn)).ToArray(),
            }));
        if (service.SecretsKmsKey is { } key)
            executionRole.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
            {
                Effect = Effect.ALLOW,
                Actions = [SecretArns.KmsAction],
                Resources = [key],
            }));
    }
}
