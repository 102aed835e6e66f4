using System.Text.Json.Nodes;
using Pipeline.Build.Aws;
using Pipeline.Build.Aws.Clients;
using Pipeline.Build.Engine;
using Pipeline.IntegrationTests.Infrastructure;
using Pipeline.Manifests;

namespace Pipeline.IntegrationTests.Aws;

/// <summary>
/// Before a Deploy or Redeploy starts, every secret the selected services declare must exist: SSM (DescribeParameters) and
/// Secrets Manager (DescribeSecret) against moto over HTTP. A missing one fails naming the secret, its service and the
/// command that creates it; no value is ever read or printed.
/// </summary>
public sealed class DeclaredSecretsCheckTests(MotoServer moto) : MotoTests(moto)
{
    const string Value = "VALUE-mustNeverBePrinted-4b1d";
    readonly string environment = "s" + Guid.NewGuid().ToString("N")[..8];

    DeclaredSecretsCheck Check => new(new SsmClient(Connection, Http), new SecretsManagerClient(Connection, Http));

    static ServiceManifest Service(string name, Dictionary<string, string> secrets) => new()
    {
        Name = name, Port = 8000, RoutePrefix = "/api/" + name, Secrets = secrets,
    };

    static readonly ServiceManifest Vault = Service("vault", new()
    {
        ["API_KEY"] = "ssm:/apigw/{env}/vault/api-key",
        ["DB_PASSWORD"] = "secretsmanager:apigw/{env}/vault/db:password",
    });

    async Task PutParameterAsync(string name, string type = "SecureString") =>
        await new AwsJsonClient(Connection, AwsService.Ssm, "AmazonSSM", Http).CallAsync("PutParameter",
            new JsonObject { ["Name"] = name, ["Value"] = Value, ["Type"] = type }, default);

    async Task<string> CreateSecretAsync(string name) =>
        (await new AwsJsonClient(Connection, AwsService.SecretsManager, "secretsmanager", Http).CallAsync("CreateSecret",
            new JsonObject { ["Name"] = name, ["SecretString"] = $"{{\"password\":\"{Value}\"}}" }, default)).GetProperty("ARN").GetString()!;

    [Fact]
    public async Task Declared_secrets_that_exist_pass_and_are_counted()
    {
        await PutParameterAsync($"/apigw/{environment}/vault/api-key");
        await CreateSecretAsync($"apigw/{environment}/vault/db");
        var log = new RecordingStepLog();

        await Check.CheckAsync([Vault], environment, MotoServer.Region, log, default);

        log.Lines.Should().ContainSingle().Which.Should().Be($"2 declared secret(s) of vault exist in {MotoServer.Region}.");
    }

    [Fact]
    public async Task A_missing_parameter_and_a_missing_secret_fail_naming_each_its_service_and_the_command_that_creates_it()
    {
        var log = new RecordingStepLog();

        var failure = await FluentActions.Awaiting(() => Check.CheckAsync([Vault], environment, MotoServer.Region, log, default))
            .Should().ThrowAsync<PipelineException>();

        failure.Which.Message.Should()
            .Contain($"2 declared secret(s) of environment {environment} do not exist in {MotoServer.Region}")
            .And.Contain($"API_KEY of vault: SSM parameter /apigw/{environment}/vault/api-key does not exist. Create it: " +
                         $"aws ssm put-parameter --type SecureString --name /apigw/{environment}/vault/api-key --value '<value>'")
            .And.Contain($"DB_PASSWORD of vault: Secrets Manager secret apigw/{environment}/vault/db does not exist. Create it: " +
                         $"aws secretsmanager create-secret --name apigw/{environment}/vault/db --secret-string '{{\"password\":\"<value>\"}}'")
            .And.Contain("nothing was built or deployed");
    }

    [Fact]
    public async Task A_secret_named_by_arn_is_found_by_its_arn()
    {
        var arn = await CreateSecretAsync($"apigw/{environment}/by-arn");
        var service = Service("arned", new() { ["TOKEN"] = "secretsmanager:" + arn });

        await Check.CheckAsync([service], environment, MotoServer.Region, new RecordingStepLog(), default);

        var missing = Service("gone", new() { ["TOKEN"] = "secretsmanager:" + arn.Replace("by-arn", "nothing-here", StringComparison.Ordinal) });
        (await FluentActions.Awaiting(() => Check.CheckAsync([missing], environment, MotoServer.Region, new RecordingStepLog(), default))
            .Should().ThrowAsync<PipelineException>()).Which.Message.Should().Contain("fix the ARN in the manifest");
    }

    [Fact]
    public async Task A_plain_string_parameter_passes_with_a_warning_to_keep_secrets_as_secure_strings()
    {
        var service = Service("plain", new() { ["API_KEY"] = "ssm:/apigw/{env}/plain/api-key" });
        await PutParameterAsync($"/apigw/{environment}/plain/api-key", type: "String");
        var log = new RecordingStepLog();

        await Check.CheckAsync([service], environment, MotoServer.Region, log, default);

        log.Lines.Should().Contain(l => l.StartsWith("warning: API_KEY of plain: SSM parameter", StringComparison.Ordinal) && l.Contains("SecureString"));
    }

    [Fact]
    public async Task No_value_appears_in_any_line_or_error()
    {
        await PutParameterAsync($"/apigw/{environment}/vault/api-key", type: "String");
        var log = new RecordingStepLog();
        var errors = new List<string>();
        try
        {
            await Check.CheckAsync([Vault], environment, MotoServer.Region, log, default);
        }
        catch (PipelineException e)
        {
            errors.Add(e.ToString());
        }

        errors.Should().ContainSingle("the Secrets Manager secret is missing");
        string.Join("\n", log.Lines.Concat(errors)).Should().NotContain(Value);
    }
}
