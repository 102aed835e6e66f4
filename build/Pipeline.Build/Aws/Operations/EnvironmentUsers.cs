using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws.Operations;

/// <summary>
/// A person who may sign in to the environment's MCP clients, for <c>./build.sh CreateUser</c>: the environment's Cognito
/// pool has no users and no self sign-up, so an admin creates each one (the pool id from the shared stack's SSM parameter,
/// the call with the admin's own credentials). Cognito mails the user a temporary password; the first sign-in through
/// managed login asks for a new one. An environment that trusts an external identity provider has no pool of ours.
/// </summary>
public sealed class EnvironmentUsers(SsmClient ssm, CognitoIdentityProviderClient cognito)
{
    /// <param name="dryRun">Find the pool and say what would be created, without creating it.</param>
    public async Task CreateAsync(string environment, string email, bool dryRun, IStepLog log, CancellationToken ct)
    {
        if (!email.Contains('@', StringComparison.Ordinal) || email.Trim() != email)
            throw new PipelineException($"--user-email '{email}' is not an e-mail address; Cognito mails the temporary password there. Pass --user-email name@example.com.");
        var path = DeploymentNames.SharedParameter(environment, SharedValue.UserPoolId);
        var values = await ssm.GetParametersAsync([path], ct);
        if (values.GetValueOrDefault(path) is not { Length: > 0 } pool)
            throw new PipelineException(
                $"Environment {environment} has no user pool to add to: SSM parameter {path} does not exist, so its shared stack is not deployed. " +
                $"Run ./build.sh Deploy --profile <profile of {environment}> first.");
        if (pool == DeploymentNames.NoIssuerOfOurOwn)
            throw new PipelineException(
                $"Environment {environment} trusts an external identity provider (JwtIssuer in its profile), not a Cognito pool of its own: " +
                "create the user there, and grant them the scopes apigw-<env>/<service> (README: your own identity provider).");

        if (dryRun)
        {
            log.Info($"would create user {email} in user pool {pool} of {environment} (Cognito would mail a temporary password to {email})");
            return;
        }

        string status;
        try
        {
            status = await cognito.AdminCreateUserAsync(pool, email, ct);
        }
        catch (AwsServiceException e) when (e.ErrorCode == "UsernameExistsException")
        {
            throw new PipelineException(
                $"User {email} already exists in user pool {pool} of {environment}. To send a new temporary password: " +
                $"aws cognito-idp admin-create-user --user-pool-id {pool} --username {email} --message-action RESEND.", e);
        }
        log.Info($"Created user {email} in user pool {pool} of {environment} ({status}). Cognito mailed a temporary password to {email}; " +
                 "the first sign-in through an MCP client's login page asks for a new one.");
    }
}
