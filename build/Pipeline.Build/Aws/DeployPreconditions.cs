using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Preflight;
using Pipeline.Build.Engine;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws;

/// <summary>
/// What must hold before a Deploy or Redeploy on AWS builds, pushes or changes anything, because it would otherwise fail
/// halfway: the profile's identity provider is complete (synthesis would fail after the images were built and pushed);
/// the account's cheap preflight checks pass (<see cref="AccountPreflight.CheapAsync"/>: region, caller and account, and
/// zones where HTTP API VPC links work, which the synthesis then uses); and every secret the selected services declare
/// exists (<see cref="DeclaredSecretsCheck"/>; nothing is read when none declares one).
/// </summary>
public sealed class DeployPreconditions(AwsContext aws)
{
    /// <param name="target">Deploy or Redeploy, for the message.</param>
    public async Task CheckAsync(string target, IReadOnlyList<ServiceManifest> services, IStepLog log, CancellationToken cancellation)
    {
        CheckIdentityProvider();
        var preflight = await new AccountPreflight(aws).CheapAsync(cancellation);
        if (preflight.Any(r => r.Outcome == PreflightOutcome.Fail))
            throw new PipelineException(PreflightReport.Refusal(target, aws.Environment, preflight));
        foreach (var result in preflight)
            log.Info($"preflight: {result.Check}: {result.Detail}");
        if (services.All(s => s.Secrets.Count == 0))
            return;
        await new DeclaredSecretsCheck(new SsmClient(aws.Connection, aws.Http), new SecretsManagerClient(aws.Connection, aws.Http))
            .CheckAsync(services, aws.Environment, aws.Connection.Region, log, cancellation);
    }

    /// <summary>An external issuer needs its audience, and API Gateway's JWT authorizer accepts only https issuers.</summary>
    void CheckIdentityProvider()
    {
        var (issuer, audience) = (aws.Settings.JwtIssuer, aws.Settings.JwtAudience);
        if ((issuer is null) != (audience is null))
            throw new PipelineException(issuer is null
                ? $"JwtAudience '{audience}' is set without JwtIssuer. Set both in the profile (your identity provider's issuer URL and the audience its tokens carry for this API), or neither to let {aws.Environment} run its own Cognito issuer. Nothing was run."
                : $"JwtIssuer '{issuer}' needs JwtAudience: the audience its tokens carry for this API (the 'aud' claim; for a Cognito pool, the app client id). Set it in the profile. Nothing was run.");
        if (issuer is not null && !(Uri.TryCreate(issuer, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttps))
            throw new PipelineException($"JwtIssuer '{issuer}' must be the https URL of your identity provider's issuer (the 'iss' of its tokens); API Gateway accepts only https issuers. Nothing was run.");
    }
}
