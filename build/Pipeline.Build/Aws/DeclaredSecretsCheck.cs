using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws;

/// <summary>
/// Before a Deploy or Redeploy builds or changes anything: every secret the selected services declare exists where its
/// manifest says. Otherwise ECS would fail to start the new tasks halfway through the rollout ("unable to retrieve secret"),
/// after images were pushed and stacks changed. Reads metadata only (SSM <c>DescribeParameters</c>, Secrets Manager
/// <c>DescribeSecret</c>): no value, not even a ciphertext, reaches the pipeline.
/// </summary>
public sealed class DeclaredSecretsCheck(SsmClient ssm, SecretsManagerClient secretsManager)
{
    public async Task CheckAsync(IReadOnlyList<ServiceManifest> services, string environment, string region, IStepLog log, CancellationToken ct)
    {
        var missing = new List<string>();
        var count = 0;
        foreach (var service in services)
            foreach (var secret in service.SecretReferencesFor(environment))
            {
                count++;
                if (await FindAsync(service, secret, log, ct) is { } problem)
                    missing.Add(problem);
            }
        if (missing.Count > 0)
            throw new PipelineException(
                $"{missing.Count} declared secret(s) of environment {environment} do not exist in {region}, so their tasks could not start; nothing was built or deployed:\n  " +
                string.Join("\n  ", missing) +
                "\nCreate each (the value never goes into the repository or a template), then run again.");
        if (count > 0)
            log.Info($"{count} declared secret(s) of {string.Join(", ", services.Where(s => s.Secrets.Count > 0).Select(s => s.Name))} exist in {region}.");
    }

    /// <returns>Null when the secret exists; otherwise what is missing and the command that creates it.</returns>
    async Task<string?> FindAsync(ServiceManifest service, SecretReference secret, IStepLog log, CancellationToken ct)
    {
        var whose = $"{secret.Variable} of {service.Name}";
        try
        {
            if (secret.Store == SecretStore.Ssm)
            {
                var parameter = await ssm.DescribeParameterAsync(secret.Name, ct);
                if (parameter is null)
                    return $"{whose}: SSM parameter {secret.Name} does not exist. Create it: " +
                           $"aws ssm put-parameter --type SecureString --name {secret.Name} --value '<value>'";
                if (!parameter.IsSecure)
                    log.Warn($"{whose}: SSM parameter {secret.Name} is a plain {parameter.Type}, stored unencrypted; keep secrets as SecureString " +
                             $"(delete it and create it again with --type SecureString).");
                return null;
            }
            if (await secretsManager.DescribeSecretAsync(secret.Name, ct) is not null)
                return null;
            if (secret.IsArn)
                return $"{whose}: Secrets Manager secret {secret.Name} does not exist (or these credentials may not see it). " +
                       "Create it in that account and region, or fix the ARN in the manifest.";
            var value = secret.JsonKey is { } key ? $"'{{\"{key}\":\"<value>\"}}'" : "'<value>'";
            return $"{whose}: Secrets Manager secret {secret.Name} does not exist. Create it: " +
                   $"aws secretsmanager create-secret --name {secret.Name} --secret-string {value}";
        }
        catch (AwsServiceException e) when (e.ErrorCode is "AccessDeniedException" or "AccessDenied")
        {
            var action = secret.Store == SecretStore.Ssm ? "ssm:DescribeParameters" : "secretsmanager:DescribeSecret";
            throw new PipelineException(
                $"Checking that {whose} exists ({secret.Reference}) was denied: {e.ErrorMessage}. The deploying identity needs {action} " +
                "(metadata only; the tasks' execution role reads the value, not the pipeline).", e);
        }
    }
}
