using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Deployment;
using Pipeline.Manifests;

namespace Pipeline.Build.Aws;

/// <summary>
/// The lines printed at the end of a Deploy on AWS: each service's URL, how a machine gets a token, for each MCP endpoint
/// (a service that declares <c>resourceMetadataPath</c>) a ready-to-paste configuration of the common MCP clients, and the
/// environment's CloudWatch dashboard. With the environment's own Cognito issuer the MCP clients sign in as its interactive
/// app client, whose id they must be given (Cognito has no dynamic registration), and an admin creates the users; with an
/// external issuer, as the client that provider gave them.
/// </summary>
public static class AwsDeploySummary
{
    public static IReadOnlyList<string> Compose(AwsSummaryFacts facts)
    {
        var environment = facts.Environment;
        var lines = new List<string> { $"Deployed environment {environment} ({facts.Region})." };
        var endpoint = facts.ApiEndpoint?.TrimEnd('/');
        if (endpoint is { Length: > 0 })
            foreach (var service in facts.Services)
                lines.Add($"  {service.Name,-10} {endpoint}{service.RoutePrefix}");

        var scopes = $"{DeploymentNames.ServiceScope(environment, "<service>")} (one scope per service)";
        lines.Add(facts.JwtIssuer is null
            ? $"Every route but health and the declared public paths needs an access token with the service's scope, {scopes}. " +
              "Machines (client credentials): TOKEN=$(./build.sh Token --profile <this profile> | tail -1)"
            : $"Every route but health and the declared public paths needs an access token of {facts.JwtIssuer} for audience " +
              $"{facts.JwtAudience} with the service's scope, {scopes}.");

        foreach (var (service, mcp) in facts.McpEndpoints)
        {
            if (facts.JwtIssuer is not null)
            {
                lines.Add($"MCP endpoint of {service}: {mcp}. MCP clients sign in at {facts.JwtIssuer} as the client your identity provider " +
                          $"registered for them (scope {DeploymentNames.ServiceScope(environment, service)}); give them its client id.");
                continue;
            }
            if (facts.InteractiveClientId is not { Length: > 0 } clientId || clientId == DeploymentNames.NoIssuerOfOurOwn)
            {
                lines.Add($"MCP endpoint of {service}: {mcp}. The interactive client id is not published yet " +
                          $"(output {DeploymentNames.InteractiveClientIdOutput} of {DeploymentNames.SharedStack(environment)}); deploy the shared stack again.");
                continue;
            }
            lines.Add($"MCP endpoint of {service}: {mcp}. MCP clients sign in through Cognito's managed login as the public client {clientId} " +
                      "(no secret; Cognito has no dynamic registration, so configure the id):");
            lines.AddRange(McpClientConfiguration.ForClientId(service, mcp, clientId).Select(line => "  " + line));
        }

        if (facts.JwtIssuer is null && facts.McpEndpoints.Count > 0 && facts.UserPoolId is { Length: > 0 } pool && pool != DeploymentNames.NoIssuerOfOurOwn)
            lines.Add($"  Users: the pool has none until an admin creates them (no self sign-up): ./build.sh CreateUser --profile <this profile> " +
                      "--user-email <email>, or aws cognito-idp admin-create-user " +
                      $"--user-pool-id {pool} --username <email> --user-attributes Name=email,Value=<email> Name=email_verified,Value=true " +
                      "(Cognito mails a temporary password; README: the first user)");
        if (facts.Region is { Length: > 0 } region)
            lines.Add($"Dashboard: {DashboardUrl(region, facts.DashboardName ?? DeploymentNames.Dashboard(environment))}");
        lines.Add($"Deploy record: {facts.DeployRecordPath}");
        return lines;
    }

    /// <summary>
    /// The CloudWatch console's page of a dashboard, in the console of the region's partition: dashboards are global to the
    /// account, but the console opens them in a region, whose metrics they show.
    /// </summary>
    public static string DashboardUrl(string region, string dashboard)
    {
        var console = AwsConnection.PartitionOf(region) switch
        {
            "aws-cn" => "console.amazonaws.cn",
            "aws-us-gov" => "console.amazonaws-us-gov.com",
            _ => $"{region}.console.aws.amazon.com",
        };
        return $"https://{console}/cloudwatch/home?region={region}#dashboards/dashboard/{Uri.EscapeDataString(dashboard)}";
    }
}

/// <summary>What the AWS summary says, read after a deploy from the shared stack's outputs (or its SSM parameters) and the services.</summary>
/// <param name="McpEndpoints">Each MCP endpoint by service name: the <c>resource</c> of its protected resource metadata.</param>
/// <param name="JwtIssuer">The profile's external issuer; null when the environment runs its own Cognito issuer.</param>
/// <param name="DashboardName">The shared stack's <see cref="DeploymentNames.DashboardNameOutput"/>; null: <see cref="DeploymentNames.Dashboard"/>.</param>
public sealed record AwsSummaryFacts(
    string Environment,
    string? Region,
    string? ApiEndpoint,
    IReadOnlyList<ServiceManifest> Services,
    IReadOnlyDictionary<string, Uri> McpEndpoints,
    string? JwtIssuer,
    string? JwtAudience,
    string? UserPoolId,
    string? InteractiveClientId,
    string DeployRecordPath,
    string? DashboardName = null);
