using System.Text.Json.Nodes;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Aws.Operations;
using Pipeline.Build.Engine;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Aws.Operations;

/// <summary>
/// <c>./build.sh CreateUser</c> on AWS: the pool id comes from the shared stack's SSM parameter and the user is created with
/// Cognito AdminCreateUser (both moto, over HTTP), its e-mail verified; a second time says how to resend the password, and an
/// environment that trusts an external issuer, or has no shared stack, is told what to do instead.
/// </summary>
public sealed class EnvironmentUsersTests(MotoServer moto) : MotoTests(moto)
{
    readonly string environment = "u" + Guid.NewGuid().ToString("N")[..8];

    EnvironmentUsers Users => new(new SsmClient(Connection, Http), new CognitoIdentityProviderClient(Connection, Http));

    Task PublishPoolAsync(string pool) => PublishSharedValueAsync(environment, SharedValue.UserPoolId, pool);

    [Fact]
    public async Task Creates_the_user_with_a_verified_email_in_the_environments_pool_and_refuses_a_second_time_with_the_resend_command()
    {
        var pool = (await CognitoAsync("CreateUserPool", new JsonObject { ["PoolName"] = $"apigw-{environment}" }))["UserPool"]!["Id"]!.GetValue<string>();
        await PublishPoolAsync(pool);
        var log = new RecordingStepLog();

        await Users.CreateAsync(environment, "alice@example.com", dryRun: false, log, default);

        var user = await CognitoAsync("AdminGetUser", new JsonObject { ["UserPoolId"] = pool, ["Username"] = "alice@example.com" });
        user["UserStatus"]!.GetValue<string>().Should().Be("FORCE_CHANGE_PASSWORD");
        user["UserAttributes"]!.AsArray().Select(a => (a!["Name"]!.GetValue<string>(), a["Value"]!.GetValue<string>()))
            .Should().Contain([("email", "alice@example.com"), ("email_verified", "true")]);
        log.Text.Should().Contain($"Created user alice@example.com in user pool {pool} of {environment}").And.Contain("temporary password");

        var again = await FluentActions.Awaiting(() => Users.CreateAsync(environment, "alice@example.com", dryRun: false, new RecordingStepLog(), default))
            .Should().ThrowAsync<PipelineException>();
        again.Which.Message.Should().Contain("already exists").And.Contain("--message-action RESEND");
    }

    [Fact]
    public async Task A_dry_run_creates_nobody()
    {
        var pool = (await CognitoAsync("CreateUserPool", new JsonObject { ["PoolName"] = $"apigw-{environment}" }))["UserPool"]!["Id"]!.GetValue<string>();
        await PublishPoolAsync(pool);
        var log = new RecordingStepLog();

        await Users.CreateAsync(environment, "bob@example.com", dryRun: true, log, default);

        log.Text.Should().Contain($"would create user bob@example.com in user pool {pool}");
        (await CognitoAsync("ListUsers", new JsonObject { ["UserPoolId"] = pool }))["Users"]!.AsArray().Should().BeEmpty();
    }

    [Fact]
    public async Task Without_a_shared_stack_or_with_an_external_issuer_it_says_what_to_do_instead()
    {
        var missing = await FluentActions.Awaiting(() => Users.CreateAsync(environment, "alice@example.com", dryRun: false, new RecordingStepLog(), default))
            .Should().ThrowAsync<PipelineException>();
        missing.Which.Message.Should().Contain(DeploymentNames.SharedParameter(environment, SharedValue.UserPoolId)).And.Contain("./build.sh Deploy");

        await PublishPoolAsync(DeploymentNames.NoIssuerOfOurOwn);
        var external = await FluentActions.Awaiting(() => Users.CreateAsync(environment, "alice@example.com", dryRun: false, new RecordingStepLog(), default))
            .Should().ThrowAsync<PipelineException>();
        external.Which.Message.Should().Contain("external identity provider").And.Contain("create the user there");

        await FluentActions.Awaiting(() => Users.CreateAsync(environment, "not-an-address", dryRun: false, new RecordingStepLog(), default))
            .Should().ThrowAsync<PipelineException>().WithMessage("*not an e-mail address*");
    }
}
