using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Operations;
using Pipeline.Build.Engine;

namespace Pipeline.Build;

/// <summary>The people who may sign in to an AWS environment's MCP clients: the first user of its Cognito pool, and the next.</summary>
public sealed partial class Build
{
    [Parameter("CreateUser: the e-mail address of the user to create; Cognito mails the temporary password there")]
    public string? UserEmail { get; set; }

    Target CreateUser => _ => _
        .Description("Create a user in the environment's Cognito pool (AWS; no self sign-up): --user-email name@example.com")
        .Requires(AwsEnvironment("adds a user to the Cognito user pool of an AWS environment"))
        .Requires(() => UserEmail)
        .Executes(async () => await new EnvironmentUsers(new SsmClient(AwsContext.Connection, AwsContext.Http),
                new CognitoIdentityProviderClient(AwsContext.Connection, AwsContext.Http))
            .CreateAsync(AwsContext.Environment, UserEmail!, DryRun, Log, Cancellation));
}
